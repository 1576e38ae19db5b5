package dev.dcft.model.llama;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.EncoderConfig;

/**
 * A Llama-family config seen as the encoder families are seen, for the tasks that read a decoder's hidden states
 * (sequence classification, as LlamaForSequenceClassification): the shared fields, no token types, no dropout (these
 * models have none in their hidden states), and the decoder's own {@link LlamaConfig} beside them.
 */
public final class LlamaEncoderConfig extends EncoderConfig {
    private final LlamaConfig llama;

    public LlamaEncoderConfig(ObjectNode json, String source) {
        super(withDefaults(json), source, new Defaults(json.path("model_type").asText("llama"), 0, json.path("rms_norm_eps").asDouble(1e-6), 0,
                0.0));
        this.llama = LlamaConfig.fromJson(json, source);
    }

    /** Fields Llama configs may leave out that the shared reader requires, at Hugging Face's defaults. */
    private static ObjectNode withDefaults(ObjectNode json) {
        if (json.hasNonNull("max_position_embeddings") && json.hasNonNull("hidden_act")) {
            return json;
        }
        ObjectNode c = json.deepCopy();
        if (!c.hasNonNull("max_position_embeddings")) {
            c.put("max_position_embeddings", 2048);
        }
        if (!c.hasNonNull("hidden_act")) {
            c.put("hidden_act", "silu");
        }
        return c;
    }

    public LlamaConfig llama() {
        return llama;
    }

    @Override
    public int positionOffset() {
        return 0;
    }
}
