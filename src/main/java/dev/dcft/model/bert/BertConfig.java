package dev.dcft.model.bert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.ConfigFiles;
import dev.dcft.model.EncoderConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * The fields of a Hugging Face {@code config.json} that a BERT-family encoder needs.
 */
public final class BertConfig extends EncoderConfig {
    /** Model types that share BERT's module tree. RoBERTa-likes differ only in position ids. */
    public static final Set<String> BERT_TYPES = Set.of("bert", "roberta", "xlm-roberta", "camembert", "e5", "bge");
    private static final Set<String> ROBERTA_TYPES = Set.of("roberta", "xlm-roberta", "camembert");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BertConfig(ObjectNode json, String source) {
        super(json, source, new Defaults("bert", 2, 1e-12, ROBERTA_TYPES.contains(text(json, "model_type", "bert")) ? 1 : 0));
        if (!BERT_TYPES.contains(modelType)) {
            throw new ModelFormatException(source, "unsupported model_type '" + modelType
                    + "' (supported: " + String.join(", ", BERT_TYPES.stream().sorted().toList()) + ")");
        }
        if (typeVocabSize < 1) {
            throw new ModelFormatException(source, "type_vocab_size must be at least 1");
        }
    }

    public static BertConfig read(Path file) {
        return new BertConfig(ConfigFiles.readObject(file), file.toString());
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

    @Override
    public int positionOffset() {
        return isRobertaLike() ? padTokenId + 1 : 0;
    }
}
