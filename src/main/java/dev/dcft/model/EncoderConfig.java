package dev.dcft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.nn.Activations;

/**
 * What every encoder architecture reads from a Hugging Face {@code config.json}, whatever its
 * family. The original JSON is kept so that saving writes back every field the checkpoint had.
 */
public abstract class EncoderConfig {
    public final String modelType;
    public final int vocabSize;
    public final int hiddenSize;
    public final int numLayers;
    public final int numHeads;
    public final int intermediateSize;
    public final String hiddenAct;
    public final int maxPositions;
    public final int typeVocabSize;
    public final float layerNormEps;
    public final int padTokenId;
    public final float hiddenDropout;
    public final float attentionDropout;
    protected final ObjectNode json;

    /** Defaults differ by family where the checkpoint is silent (DeBERTa-v2: no token types, eps 1e-7). */
    public record Defaults(String modelType, int typeVocabSize, double layerNormEps, int padTokenId, double dropout) {
        /** BERT's dropout (0.1) where the checkpoint names none. */
        public Defaults(String modelType, int typeVocabSize, double layerNormEps, int padTokenId) {
            this(modelType, typeVocabSize, layerNormEps, padTokenId, 0.1);
        }
    }

    protected EncoderConfig(ObjectNode json, String source, Defaults defaults) {
        this.json = json;
        this.modelType = text(json, "model_type", defaults.modelType());
        this.vocabSize = positive(json, "vocab_size", source);
        this.hiddenSize = positive(json, "hidden_size", source);
        this.numLayers = positive(json, "num_hidden_layers", source);
        this.numHeads = positive(json, "num_attention_heads", source);
        this.intermediateSize = positive(json, "intermediate_size", source);
        this.hiddenAct = text(json, "hidden_act", "gelu");
        this.maxPositions = positive(json, "max_position_embeddings", source);
        this.typeVocabSize = json.has("type_vocab_size") ? json.get("type_vocab_size").asInt() : defaults.typeVocabSize();
        this.layerNormEps = (float) (json.has("layer_norm_eps") ? json.get("layer_norm_eps").asDouble() : defaults.layerNormEps());
        this.padTokenId = json.has("pad_token_id") && !json.get("pad_token_id").isNull()
                ? json.get("pad_token_id").asInt() : defaults.padTokenId();
        this.hiddenDropout = (float) number(json, "hidden_dropout_prob", defaults.dropout());
        this.attentionDropout = (float) number(json, "attention_probs_dropout_prob", defaults.dropout());
        if (hiddenSize % numHeads != 0) {
            throw new ModelFormatException(source, "hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (typeVocabSize < 0) {
            throw new ModelFormatException(source, "type_vocab_size must not be negative");
        }
        activation(hiddenAct, source);
    }

    /** Position ids of real tokens start here (RoBERTa-likes start after the padding index). */
    public abstract int positionOffset();

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** The config as written back with a saved model (fp32 weights). */
    public ObjectNode toJson() {
        ObjectNode copy = json.deepCopy();
        copy.put("torch_dtype", "float32");
        return copy;
    }

    protected static void activation(String name, String source) {
        try {
            Activations.byName(name);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source, e.getMessage());
        }
    }

    protected static String text(JsonNode json, String field, String fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    protected static double number(JsonNode json, String field, double fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asDouble();
    }

    protected static int integer(JsonNode json, String field, int fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asInt();
    }

    protected static boolean bool(JsonNode json, String field, boolean fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asBoolean();
    }

    protected static int positive(JsonNode json, String field, String source) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            throw new ModelFormatException(source, "missing field '" + field + "'");
        }
        if (!n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelFormatException(source, "field '" + field + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }
}
