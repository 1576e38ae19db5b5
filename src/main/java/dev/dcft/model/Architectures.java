package dev.dcft.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.bert.BertArchitecture;
import dev.dcft.model.deberta.DebertaV2Architecture;
import dev.dcft.model.llama.LlamaArchitecture;
import java.util.List;
import java.util.TreeSet;

/** The model families by {@code model_type}, as Hugging Face's AutoModel maps them (decoders as classification bases). */
public final class Architectures {
    public static final List<Architecture> ALL = List.of(new BertArchitecture(), new DebertaV2Architecture(), new LlamaArchitecture());

    private Architectures() {
    }

    /** The family of a parsed config. */
    public static Architecture of(EncoderConfig config) {
        return forConfig(config.toJson(), "config.json");
    }

    /**
     * Every family's default target_modules at once, for code that does not know the architecture
     * (benchmarks): suffix matching keeps them apart ("query" never matches "query_proj").
     */
    public static java.util.List<String> anyTargetModules() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        ALL.forEach(a -> all.addAll(a.targetModules()));
        return java.util.List.copyOf(all);
    }

    /**
     * The adaptable linears of an embedded model name, a model directory or a config.json path, from
     * its config alone: what {@code dcft params} counts.
     */
    public static java.util.List<AdaptableLinear> linearsOf(String modelOrConfig) {
        ObjectNode json = configOf(modelOrConfig);
        return forConfig(json, modelOrConfig).adaptableLinears(json, modelOrConfig);
    }

    /** The family of an embedded model name, a model directory or a config.json path. */
    public static Architecture ofModel(String modelOrConfig) {
        return forConfig(configOf(modelOrConfig), modelOrConfig);
    }

    /** The config.json of an embedded model name, a model directory or a config.json path, read without the weights. */
    public static ObjectNode configOf(String modelOrConfig) {
        String key = ModelLoader.embeddedName(modelOrConfig);
        if (key != null) {
            return (ObjectNode) EmbeddedModels.config(key);
        }
        java.nio.file.Path p = java.nio.file.Path.of(modelOrConfig);
        java.nio.file.Path file = java.nio.file.Files.isDirectory(p) ? p.resolve("config.json") : p;
        if (!java.nio.file.Files.exists(file)) {
            throw new ModelFormatException(file, java.nio.file.Files.isDirectory(p) ? "file not found"
                    : "file not found (give an embedded model name, a model directory or a config.json)");
        }
        return ConfigFiles.readObject(file);
    }

    public static Architecture forConfig(ObjectNode config, String source) {
        String type = config.path("model_type").asText("bert");
        for (Architecture a : ALL) {
            if (a.modelTypes().contains(type)) {
                return a;
            }
        }
        TreeSet<String> known = new TreeSet<>();
        ALL.forEach(a -> known.addAll(a.modelTypes()));
        throw new ModelFormatException(source, "unsupported model_type '" + type + "' (supported: " + String.join(", ", known) + ")");
    }
}
