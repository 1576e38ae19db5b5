package dev.dcft.cli;

import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", description = "Write a model as a Hugging Face directory (config.json, model.safetensors, tokenizer files).")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Option(names = "--out", required = true, description = "Directory to create; must not exist or be empty.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (LoadedModel m = ModelLoader.load(modelOption.model)) {
            m.writeHfDirectory(out);
            spec.commandLine().getOut().printf("wrote %s (config.json, model.safetensors, %s)%n", out,
                    String.join(", ", m.tokenizerFiles().keySet()));
        }
        return 0;
    }
}
