package dev.dcft.model.deberta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.EncoderConfig;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * DeBERTa-v2/v3's {@code config.json}. Defaults are those of Hugging Face's code where a field is
 * absent (they differ from the documentation): no relative attention, absolute positions added to
 * the input, no shared attention key, no token types, LayerNorm eps 1e-7, conv activation tanh.
 */
public final class DebertaV2Config extends EncoderConfig {
    public final boolean relativeAttention;
    public final int maxRelativePositions;
    public final int positionBuckets;
    public final Set<String> posAttType;
    public final boolean shareAttKey;
    public final boolean positionBiasedInput;
    public final int embeddingSize;
    public final boolean normRelEmbedding;
    public final int convKernelSize;
    public final int convGroups;
    public final String convAct;
    public final String poolerHiddenAct;
    public final float poolerDropout;
    public final float initializerRange;

    private DebertaV2Config(ObjectNode json, String source) {
        super(json, source, new Defaults("deberta-v2", 0, 1e-7, 0));
        relativeAttention = bool(json, "relative_attention", false);
        int maxRel = integer(json, "max_relative_positions", -1);
        maxRelativePositions = maxRel < 1 ? maxPositions : maxRel;
        positionBuckets = integer(json, "position_buckets", -1);
        posAttType = posAttType(json.get("pos_att_type"), source);
        shareAttKey = bool(json, "share_att_key", false);
        positionBiasedInput = bool(json, "position_biased_input", true);
        embeddingSize = integer(json, "embedding_size", hiddenSize);
        normRelEmbedding = text(json, "norm_rel_ebd", "none").toLowerCase(Locale.ROOT).contains("layer_norm");
        convKernelSize = integer(json, "conv_kernel_size", 0);
        convGroups = integer(json, "conv_groups", 1);
        convAct = text(json, "conv_act", "tanh");
        poolerHiddenAct = text(json, "pooler_hidden_act", "gelu");
        poolerDropout = (float) number(json, "pooler_dropout", 0);
        initializerRange = (float) number(json, "initializer_range", 0.02);
        int poolerSize = integer(json, "pooler_hidden_size", hiddenSize);
        if (poolerSize != hiddenSize) {
            throw new ModelFormatException(source, "pooler_hidden_size " + poolerSize + " differs from hidden_size " + hiddenSize
                    + " (not supported)");
        }
        if (embeddingSize <= 0) {
            throw new ModelFormatException(source, "embedding_size must be positive");
        }
        if (convKernelSize > 0 && (convKernelSize % 2 == 0 || hiddenSize % convGroups != 0)) {
            throw new ModelFormatException(source, "conv_kernel_size must be odd and conv_groups divide hidden_size");
        }
        activation(convAct, source);
        activation(poolerHiddenAct, source);
    }

    public static DebertaV2Config fromJson(ObjectNode json, String source) {
        return new DebertaV2Config(json.deepCopy(), source);
    }

    /** The span of relative positions: buckets when bucketed, else the maximum relative distance. */
    public int attentionSpan() {
        return positionBuckets > 0 ? positionBuckets : maxRelativePositions;
    }

    /** 1 + the number of relative terms: the divisor under the square root of the attention scale. */
    public int scaleFactor() {
        return 1 + (relativeAttention && posAttType.contains("c2p") ? 1 : 0) + (relativeAttention && posAttType.contains("p2c") ? 1 : 0);
    }

    @Override
    public int positionOffset() {
        return 0;
    }

    private static Set<String> posAttType(JsonNode n, String source) {
        Set<String> out = new LinkedHashSet<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isTextual()) {
            for (String s : n.asText().toLowerCase(Locale.ROOT).split("\\|")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        } else if (n.isArray()) {
            n.forEach(x -> out.add(x.asText().toLowerCase(Locale.ROOT).trim()));
        }
        for (String s : out) {
            if (!s.equals("c2p") && !s.equals("p2c")) {
                throw new ModelFormatException(source, "unsupported pos_att_type '" + s + "' (supported: c2p, p2c)");
            }
        }
        return out;
    }
}
