package dev.dcft.cli;

import dev.dcft.adapters.Adapters;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.decoder.DecoderMerge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", description = "Fold an adapter into its base model (an encoder, or a decoder directory: Llama, Mistral,"
        + " Qwen2) and write a full Hugging Face model directory.")
final class MergeCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Option(names = "--adapter", required = true, description = "Adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, description = "Directory to create; must not exist or be empty.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PeftAdapterFiles.LoadedAdapter loaded = PeftAdapterFiles.load(adapter);
        Path dir = Path.of(modelOption.model);
        if (Files.isDirectory(dir) && DecoderMerge.isDecoderDirectory(dir)) {
            DecoderMerge.Merged merged = DecoderMerge.write(dir, loaded, out);
            spec.commandLine().getOut().printf("merged %s adapter (%d layers) into %s: wrote %s%n", loaded.spec().methodName(),
                    merged.layers(), dir, out);
            notMerged(merged.notMerged());
            return 0;
        }
        try (LoadedModel m = ModelLoader.load(modelOption.model)) {
            PeftAdapterFiles.attach(m.model(), loaded, m.manager());
            List<String> head = PeftAdapterFiles.replaceBaseTensors(m.model(), loaded, m.manager());
            int layers = Adapters.layers(m.model()).size();
            Adapters.mergeAndUnload(m.model());
            m.writeHfDirectory(out);
            spec.commandLine().getOut().printf("merged %s adapter (%d layers) into %s: wrote %s%n",
                    loaded.spec().methodName(), layers, m.name(), out);
            notMerged(head);
        }
        return 0;
    }

    /** A base model directory has no place for a task head: say so rather than drop it quietly. */
    private void notMerged(List<String> head) {
        if (!head.isEmpty()) {
            spec.commandLine().getOut().printf("not in the merged base (the task head; it stays in %s): %s%n", adapter,
                    String.join(", ", head));
        }
    }
}
