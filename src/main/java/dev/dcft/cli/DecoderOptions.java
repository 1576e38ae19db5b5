package dev.dcft.cli;

import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.train.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --model DIR [--adapter DIR | --run DIR]} of the decoder commands: the base directory, and the adapter a run
 * saved (its best) or one given directly. Without {@code --model} the run's base, or the adapter's
 * {@code base_model_name_or_path} when that is a directory here.
 */
final class DecoderOptions {
    @Option(names = "--model", paramLabel = "DIR", description = "A Hugging Face decoder directory (Llama, Mistral, Qwen2: config.json,"
            + " safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory to apply (unmerged).")
    Path adapter;

    @Option(names = "--run", paramLabel = "DIR", description = "A causal-lm run directory: its base model and best adapter.")
    Path run;

    @Mixin
    PrecisionOption precision = new PrecisionOption();

    Decoder open() throws IOException {
        if (adapter != null && run != null) {
            throw new IllegalArgumentException("give --adapter or --run, not both");
        }
        Path base = model;
        Path adapterDir = adapter;
        if (run != null) {
            RunDirectory r = new RunDirectory(run);
            if (!Files.isRegularFile(r.dir().resolve("config.json"))) {
                throw new IllegalArgumentException(run + " is not a run directory (no config.json)");
            }
            adapterDir = r.adapter();
            if (base == null) {
                base = Path.of(r.readConfig().model());
            }
        }
        PeftAdapterFiles.LoadedAdapter loaded = adapterDir == null ? null : PeftAdapterFiles.load(adapterDir);
        if (base == null && loaded != null && !loaded.baseModel().isEmpty() && Files.isDirectory(Path.of(loaded.baseModel()))) {
            base = Path.of(loaded.baseModel());
        }
        if (base == null) {
            throw new IllegalArgumentException("--model DIR is required (a Hugging Face decoder directory)");
        }
        return Decoder.load(base, loaded, precision.value());
    }
}
