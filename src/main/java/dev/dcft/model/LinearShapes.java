package dev.dcft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The adaptable linear layers of an encoder, read from its {@code config.json} alone (no weights):
 * what parameter accounting needs. Knows the BERT family and DeBERTa-v2/v3.
 */
public final class LinearShapes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> BERT_FAMILY = Set.of("bert", "roberta", "xlm-roberta", "camembert", "e5", "bge");
    private static final Set<String> DEBERTA = Set.of("deberta-v2", "deberta");

    private LinearShapes() {
    }

    /** One linear layer: its Hugging Face module path and sizes. */
    public record Shape(String path, int in, int out) {
        /** The path without the layer index: the module type used for breakdowns. */
        public String moduleType() {
            return path.replaceFirst("^encoder\\.layer\\.\\d+\\.", "");
        }
    }

    /** Reads the config of an embedded model name, a model directory, or a config.json path. */
    public static JsonNode readConfig(String modelOrConfig) {
        String key = ModelLoader.embeddedName(modelOrConfig);
        if (key != null) {
            return EmbeddedModels.config(key);
        }
        Path p = Path.of(modelOrConfig);
        Path file = Files.isDirectory(p) ? p.resolve("config.json") : p;
        try {
            return JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, Files.isDirectory(p) ? "file not found"
                    : "file not found (give an embedded model name, a model directory or a config.json)");
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON");
        }
    }

    public static List<Shape> of(JsonNode config, String source) {
        String type = config.path("model_type").asText("bert");
        int hidden = positive(config, "hidden_size", source);
        int layers = positive(config, "num_hidden_layers", source);
        int ffn = positive(config, "intermediate_size", source);
        List<String> attention;
        if (BERT_FAMILY.contains(type)) {
            attention = List.of("attention.self.query", "attention.self.key", "attention.self.value");
        } else if (DEBERTA.contains(type)) {
            attention = List.of("attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj");
        } else {
            throw new ModelFormatException(source, "unsupported model_type '" + type + "' for parameter accounting"
                    + " (supported: bert, roberta, xlm-roberta, camembert, deberta-v2)");
        }
        List<Shape> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String prefix = "encoder.layer." + i + ".";
            for (String a : attention) {
                out.add(new Shape(prefix + a, hidden, hidden));
            }
            out.add(new Shape(prefix + "attention.output.dense", hidden, hidden));
            out.add(new Shape(prefix + "intermediate.dense", hidden, ffn));
            out.add(new Shape(prefix + "output.dense", ffn, hidden));
        }
        return out;
    }

    private static int positive(JsonNode c, String field, String source) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelFormatException(source, "missing or invalid field '" + field + "'");
        }
        return n.asInt();
    }
}
