package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import java.util.Map;
import java.util.Set;

/**
 * One encoder family: how it reads {@code config.json}, which checkpoint names are its own, and
 * how its module tree is built. Independent of the file format the weights came in.
 */
public interface Architecture {
    /** The {@code model_type} values this family covers. */
    Set<String> modelTypes();

    EncoderConfig config(ObjectNode json, String source);

    /**
     * The checkpoint's tensors under the base model's own paths: a task model's prefix
     * ({@code bert.}, {@code deberta.}) dropped, legacy names renamed; other tensors (heads) kept as they are.
     */
    Map<String, HostTensor> normalise(Map<String, HostTensor> raw);

    /** An encoder with zeroed parameters, shaped by {@code config} and the tensors present (optional parts such as a pooler). */
    Encoder create(NDManager manager, EncoderConfig config, Set<String> tensorNames);

    /** PEFT's default {@code target_modules} for the family: the six matrices of every layer (SPEC section 2). */
    java.util.List<String> targetModules();

    /**
     * The linear layers inside the encoder's layers, in module order, from the config alone (no
     * weights): what parameter accounting and the server's routed layers need.
     */
    default java.util.List<AdaptableLinear> adaptableLinears(com.fasterxml.jackson.databind.JsonNode config, String source) {
        // Only the sizes are needed: a config holding just these three fields is enough (SPEC section 3's accounting).
        int hidden = EncoderConfig.positive(config, "hidden_size", source);
        int layers = EncoderConfig.positive(config, "num_hidden_layers", source);
        int ffn = EncoderConfig.positive(config, "intermediate_size", source);
        java.util.List<AdaptableLinear> out = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String prefix = "encoder.layer." + i + ".";
            for (String a : attentionProjections()) {
                out.add(new AdaptableLinear(prefix + a, hidden, hidden));
            }
            out.add(new AdaptableLinear(prefix + "attention.output.dense", hidden, hidden));
            out.add(new AdaptableLinear(prefix + "intermediate.dense", hidden, ffn));
            out.add(new AdaptableLinear(prefix + "output.dense", ffn, hidden));
        }
        return out;
    }

    /** The query, key and value projections' paths inside a layer. */
    java.util.List<String> attentionProjections();
}
