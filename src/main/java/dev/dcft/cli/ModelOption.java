package dev.dcft.cli;

import dev.dcft.model.ModelLoader;
import picocli.CommandLine.Option;

/** {@code --model}, shared by every command that loads a base model. */
final class ModelOption {
    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL,
            description = "Embedded model name (minilm-l6) or a model directory. Default: ${DEFAULT-VALUE}.")
    String model;
}
