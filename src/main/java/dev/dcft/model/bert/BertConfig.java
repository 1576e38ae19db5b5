package dev.dcft.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The fields of a Hugging Face {@code config.json} that a BERT-family encoder needs. The original
 * JSON is kept so that saving writes back every field the user's checkpoint had.
 */
public final class BertConfig {
    /** Model types that share BERT's module tree. RoBERTa-likes differ only in position ids. */
    public static final Set<String> BERT_TYPES = Set.of("bert", "roberta", "xlm-roberta", "camembert", "e5", "bge");
    private static final Set<String> ROBERTA_TYPES = Set.of("roberta", "xlm-roberta", "camembert");
    private static final ObjectMapper JSON = new ObjectMapper();

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
    private final ObjectNode json;

    private BertConfig(ObjectNode json, String source) {
        this.json = json;
        this.modelType = text(json, "model_type", "bert");
        if (!BERT_TYPES.contains(modelType)) {
            throw new ModelFormatException(source, "unsupported model_type '" + modelType
                    + "' (supported: " + String.join(", ", BERT_TYPES.stream().sorted().toList()) + ")");
        }
        this.vocabSize = positive(json, "vocab_size", source);
        this.hiddenSize = positive(json, "hidden_size", source);
        this.numLayers = positive(json, "num_hidden_layers", source);
        this.numHeads = positive(json, "num_attention_heads", source);
        this.intermediateSize = positive(json, "intermediate_size", source);
        this.hiddenAct = text(json, "hidden_act", "gelu");
        this.maxPositions = positive(json, "max_position_embeddings", source);
        this.typeVocabSize = json.has("type_vocab_size") ? json.get("type_vocab_size").asInt() : 2;
        this.layerNormEps = (float) (json.has("layer_norm_eps") ? json.get("layer_norm_eps").asDouble() : 1e-12);
        this.padTokenId = json.has("pad_token_id") && !json.get("pad_token_id").isNull()
                ? json.get("pad_token_id").asInt() : (isRobertaLike() ? 1 : 0);
        this.hiddenDropout = (float) (json.has("hidden_dropout_prob") ? json.get("hidden_dropout_prob").asDouble() : 0.1);
        this.attentionDropout = (float) (json.has("attention_probs_dropout_prob")
                ? json.get("attention_probs_dropout_prob").asDouble() : 0.1);
        if (hiddenSize % numHeads != 0) {
            throw new ModelFormatException(source, "hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (typeVocabSize < 1) {
            throw new ModelFormatException(source, "type_vocab_size must be at least 1");
        }
        try {
            dev.dcft.model.nn.Activations.byName(hiddenAct);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source, e.getMessage());
        }
    }

    public static BertConfig read(Path file) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ModelFormatException(file, "expected a JSON object");
        }
        return new BertConfig(obj, file.toString());
    }

    public static BertConfig fromJson(ObjectNode json, String source) {
        return new BertConfig(json.deepCopy(), source);
    }

    /** Builds a config for a plain BERT encoder of the given shape. */
    public static BertConfig of(int vocab, int hidden, int layers, int heads, int ffn, int maxPositions,
            int typeVocab, float eps) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("BertModel");
        o.put("model_type", "bert");
        o.put("vocab_size", vocab);
        o.put("hidden_size", hidden);
        o.put("num_hidden_layers", layers);
        o.put("num_attention_heads", heads);
        o.put("intermediate_size", ffn);
        o.put("hidden_act", "gelu");
        o.put("max_position_embeddings", maxPositions);
        o.put("type_vocab_size", typeVocab);
        o.put("layer_norm_eps", eps);
        o.put("pad_token_id", 0);
        o.put("hidden_dropout_prob", 0.1);
        o.put("attention_probs_dropout_prob", 0.1);
        o.put("torch_dtype", "float32");
        return new BertConfig(o, "config");
    }

    public boolean isRobertaLike() {
        return ROBERTA_TYPES.contains(modelType);
    }

    /** Position ids of RoBERTa-likes start after the padding index. */
    public int positionOffset() {
        return isRobertaLike() ? padTokenId + 1 : 0;
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    public ObjectNode toJson() {
        ObjectNode copy = json.deepCopy();
        copy.put("torch_dtype", "float32");
        return copy;
    }

    private static String text(JsonNode json, String field, String fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    private static int positive(JsonNode json, String field, String source) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            throw new ModelFormatException(source, "missing field '" + field + "'");
        }
        if (!n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelFormatException(source, "field '" + field + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
