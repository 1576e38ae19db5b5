package dev.dcft.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.bert.BertArchitecture;
import dev.dcft.model.deberta.DebertaV2Architecture;
import java.util.List;
import java.util.TreeSet;

/** The encoder families by {@code model_type}, as Hugging Face's AutoModel maps them. */
public final class Architectures {
    public static final List<Architecture> ALL = List.of(new BertArchitecture(), new DebertaV2Architecture());

    private Architectures() {
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
