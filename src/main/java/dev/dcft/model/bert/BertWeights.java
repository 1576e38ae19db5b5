package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.nn.Parameter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Moves weights between Hugging Face tensor names and a {@link BertModel}'s parameters. */
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

    public static boolean hasPooler(Map<String, HostTensor> normalised) {
        return normalised.containsKey("pooler.dense.weight");
    }

    /** Copies every parameter from {@code tensors}; a missing tensor or a wrong shape is an error. */
    public static void load(BertModel model, Map<String, HostTensor> tensors, NDManager manager, String source) {
        for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
            HostTensor t = tensors.get(p.getKey());
            Shape expected = p.getValue().value().getShape();
            if (t == null) {
                throw new ModelFormatException(source, "missing tensor '" + p.getKey() + "' (shape " + expected
                        + " expected from config.json)");
            }
            if (!Arrays.equals(t.shape(), expected.getShape())) {
                throw new ModelFormatException(source, "tensor '" + p.getKey() + "' has shape " + t.shapeString()
                        + " but config.json implies " + Arrays.toString(expected.getShape()));
            }
            NDArray value = manager.create(t.data(), new Shape(t.shape()));
            p.getValue().set(value);
        }
    }

    /** The model's parameters as host tensors under their Hugging Face names. */
    public static Map<String, HostTensor> export(BertModel model) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
            if (p.getKey().contains(".base_layer.")) {
                throw new IllegalStateException("the model still carries adapters: merge and unload them before exporting");
            }
            NDArray v = p.getValue().value();
            out.put(p.getKey(), new HostTensor(v.getShape().getShape(), v.toFloatArray()));
        }
        return out;
    }
}
