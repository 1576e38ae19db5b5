package dev.dcft.model.decoder;

import dev.dcft.adapters.Adapters;
import dev.dcft.io.HfModelDirectory;
import dev.dcft.io.HostTensor;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.ConfigFiles;
import dev.dcft.model.ModuleWeights;
import dev.dcft.model.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code dcft merge} for a decoder: the adapter folded into its base and written as a directory Hugging Face's
 * {@code AutoModelForCausalLM} loads: the base's config.json unchanged, one float32 model.safetensors (tied
 * embeddings stay tied: no {@code lm_head.weight}, as Hugging Face writes them), and every other file of the base
 * directory (tokenizer, its config, chat template, generation_config.json) copied as it is.
 */
public final class DecoderMerge {
    private DecoderMerge() {
    }

    /** Whether {@code dir} holds a decoder this project loads (config.json with a Llama-family model_type). */
    public static boolean isDecoderDirectory(Path dir) {
        Path config = dir.resolve("config.json");
        return Files.isRegularFile(config)
                && LlamaConfig.MODEL_TYPES.contains(ConfigFiles.readObject(config).path("model_type").asText(""));
    }

    /** What a merge did: the adapter layers folded in, and the adapter's tensors with no place in a causal LM (a task head). */
    public record Merged(int layers, List<String> notMerged) {
    }

    /**
     * Merges {@code adapter} into the decoder in {@code base} and writes {@code out}. Tensors the adapter saves whole that
     * the decoder has (full fine-tuning's) replace the base's; others (a sequence-classification {@code score} head) stay
     * in the adapter, and are named in the result so the caller can say so.
     */
    public static Merged write(Path base, PeftAdapterFiles.LoadedAdapter adapter, Path out) throws IOException {
        try (Decoder decoder = Decoder.load(base, adapter)) {
            List<String> elsewhere = PeftAdapterFiles.replaceBaseTensors(decoder.model(), adapter, decoder.manager());
            int layers = Adapters.layers(decoder.model()).size();
            Adapters.mergeAndUnload(decoder.model());
            Map<String, HostTensor> tensors = ModuleWeights.export(decoder.model(), "");
            HfModelDirectory.write(out, ConfigFiles.readObject(base.resolve("config.json")), tensors, companionFiles(base));
            return new Merged(layers, elsewhere);
        }
    }

    /** The base directory's files other than its config and weights, by name. */
    static Map<String, byte[]> companionFiles(Path base) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(base)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && !isWeightsOrConfig(name)) {
                    files.put(name, Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    private static boolean isWeightsOrConfig(String name) {
        return name.equals("config.json") || name.endsWith(".safetensors") || name.equals("model.safetensors.index.json")
                || name.endsWith(".bin") || name.equals("pytorch_model.bin.index.json") || name.endsWith(".pt")
                || name.endsWith(".pth") || name.endsWith(".gguf") || name.endsWith(".h5") || name.endsWith(".msgpack");
    }
}
