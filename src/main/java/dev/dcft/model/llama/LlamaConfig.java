package dev.dcft.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.io.ModelFormatException;
import java.util.Locale;
import java.util.Set;

/**
 * A Llama-family decoder's config.json (Llama, Mistral, Qwen2: one module tree, their differences as fields):
 * grouped-query attention ({@code num_key_value_heads}), biases on the attention projections (Llama's
 * {@code attention_bias} on all four; Qwen2's on q, k and v), tied or separate {@code lm_head}, a sliding
 * window (Mistral; Qwen2 only with {@code use_sliding_window}), and the rotary embedding ({@link Rope}, from
 * transformers 5's {@code rope_parameters} or the older {@code rope_theta} with {@code rope_scaling}).
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
        int headDim, double rmsEps, boolean tieEmbeddings, boolean qkvBias, boolean outputBias, boolean mlpBias, Integer slidingWindow,
        int maxPositions, Rope rope, String hiddenAct) {
    public static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    public static LlamaConfig fromJson(JsonNode c, String source) {
        String type = c.path("model_type").asText("");
        if (!MODEL_TYPES.contains(type)) {
            throw new ModelFormatException(source + ": model_type '" + type + "' is not a supported decoder (llama, mistral, qwen2)");
        }
        int hidden = positive(c, "hidden_size", source);
        int heads = positive(c, "num_attention_heads", source);
        int kv = c.path("num_key_value_heads").asInt(heads);
        if (kv < 1 || heads % kv != 0) {
            throw new ModelFormatException(source + ": num_key_value_heads " + kv + " must divide num_attention_heads " + heads);
        }
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        boolean qwen = type.equals("qwen2");
        boolean attentionBias = c.path("attention_bias").asBoolean(false);
        Integer window = null;
        if (c.hasNonNull("sliding_window") && (!qwen || c.path("use_sliding_window").asBoolean(false))) {
            window = c.get("sliding_window").asInt();
        }
        String act = c.path("hidden_act").asText("silu").toLowerCase(Locale.ROOT);
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new ModelFormatException(source + ": hidden_act '" + act + "' is not supported (silu)");
        }
        return new LlamaConfig(type, positive(c, "vocab_size", source), hidden, positive(c, "intermediate_size", source),
                positive(c, "num_hidden_layers", source), heads, kv, headDim, c.path("rms_norm_eps").asDouble(1e-6),
                c.path("tie_word_embeddings").asBoolean(qwen), qwen || attentionBias, attentionBias, c.path("mlp_bias").asBoolean(false),
                window, c.path("max_position_embeddings").asInt(2048), Rope.fromConfig(c, headDim, source), act);
    }

    private static int positive(JsonNode c, String field, String source) {
        int v = c.path(field).asInt(0);
        if (v < 1) {
            throw new ModelFormatException(source + ": missing or non-positive '" + field + "'");
        }
        return v;
    }
}
