package dev.dcft.cli;

import dev.dcft.model.ModelLoader;
import picocli.CommandLine.Option;

/** {@code --model}, shared by every command that loads a base model. */
final class ModelOption {
    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL,
            description = "Embedded model name (minilm-l6, bert-base-uncased) or a model directory (safetensors, pytorch_model.bin,"
                    + " TensorFlow checkpoint or ONNX). Default: ${DEFAULT-VALUE}.")
    String model;
}
