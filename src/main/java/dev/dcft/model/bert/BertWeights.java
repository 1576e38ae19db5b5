package dev.dcft.model.bert;

import dev.dcft.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checkpoint names of the BERT family to {@link BertModel} paths. */
public final class BertWeights {
    private static final String[] PREFIXES = {"bert.", "roberta.", "model.", "encoder_model."};

    private BertWeights() {
    }

    /**
     * Normalises checkpoint names to BertModel paths: drops a task model's prefix ({@code bert.})
     * and renames TF-era LayerNorm {@code gamma/beta}.
     */
    public static Map<String, HostTensor> normalise(Map<String, HostTensor> raw) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String name = e.getKey();
            for (String p : PREFIXES) {
                if (name.startsWith(p) && (name.startsWith(p + "embeddings.") || name.startsWith(p + "encoder.")
                        || name.startsWith(p + "pooler."))) {
                    name = name.substring(p.length());
                    break;
                }
            }
            if (name.endsWith("LayerNorm.gamma")) {
                name = name.substring(0, name.length() - 5) + "weight";
            } else if (name.endsWith("LayerNorm.beta")) {
                name = name.substring(0, name.length() - 4) + "bias";
            }
            out.put(name, e.getValue());
        }
        return out;
    }
}
