package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.model.nn.Embedding;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.ModuleList;

/**
 * A Llama-family causal language model with Hugging Face's module paths ({@code model.embed_tokens},
 * {@code model.layers.3.self_attn.q_proj}, {@code model.norm}, {@code lm_head}), so PEFT's target names and
 * checkpoint keys apply unchanged. {@link #logits} takes a padded batch (left or right) with its mask and
 * position ids; padded positions attend to nothing real and are never attended to.
 */
public final class LlamaModel extends Module {
    /** Large enough to remove a key, finite so that a row with nothing to attend to (a left pad) stays finite. */
    private static final float MASKED = -1e9f;
    private final LlamaConfig config;
    private final Inner inner;

    /** The {@code model.} part: embeddings, layers, final norm. */
    static final class Inner extends Module {
        final Embedding embed;
        final ModuleList<LlamaDecoderLayer> layers;
        final RmsNorm norm;

        Inner(NDManager m, LlamaConfig c) {
            embed = addChild("embed_tokens", new Embedding(m, c.vocabSize(), c.hiddenSize()));
            layers = addChild("layers", new ModuleList<>());
            for (int i = 0; i < c.layers(); i++) {
                layers.add(new LlamaDecoderLayer(m, c));
            }
            norm = addChild("norm", new RmsNorm(m, c.hiddenSize(), c.rmsEps()));
        }
    }

    public LlamaModel(NDManager manager, LlamaConfig config) {
        this.config = config;
        this.inner = addChild("model", new Inner(manager, config));
        if (!config.tieEmbeddings()) {
            addChild("lm_head", new Linear(manager, config.hiddenSize(), config.vocabSize(), false));
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * Logits {@code [B, T, vocab]} for token ids {@code [B][T]} with {@code mask} (1 real, 0 pad) and
     * {@code positions} (the rotary position of each token, e.g. counted over real tokens for left padding).
     */
    public NDArray logits(NDManager scope, long[][] ids, long[][] mask, long[][] positions) {
        int b = ids.length;
        int t = ids[0].length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids[i], 0, flat, i * t, t);
        }
        NDArray x = inner.embed.forward(scope.create(flat, new Shape(b, t)));
        NDArray[] cs = config.rope().cosSin(scope, positions);
        NDArray additive = scope.create(attentionMask(mask), new Shape(b, 1, t, t));
        for (int i = 0; i < inner.layers.size(); i++) {
            x = inner.layers.get(i).forward(x, cs[0], cs[1], additive);
        }
        NDArray h = inner.norm.forward(x);
        if (config.tieEmbeddings()) {
            return h.matMul(inner.embed.weight().value().transpose());
        }
        return ((LinearLayer) child("lm_head")).forward(h);
    }

    /** 0 where query i may attend key j (j <= i, j real, within the sliding window), else {@link #MASKED}. */
    float[] attentionMask(long[][] mask) {
        int b = mask.length;
        int t = mask[0].length;
        Integer window = config.slidingWindow();
        float[] out = new float[b * t * t];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    boolean allowed = j <= i && mask[n][j] != 0 && (window == null || i - j < window);
                    out[(n * t + i) * t + j] = allowed ? 0f : MASKED;
                }
            }
        }
        return out;
    }
}
