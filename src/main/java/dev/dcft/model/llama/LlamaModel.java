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
    private boolean backpropToEmbeddings;

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

        /** The token embeddings {@code [B, T, H]} of ids {@code [B][T]}. */
        NDArray embed(NDManager scope, long[][] ids) {
            int b = ids.length;
            int t = ids[0].length;
            long[] flat = new long[b * t];
            for (int i = 0; i < b; i++) {
                System.arraycopy(ids[i], 0, flat, i * t, t);
            }
            return embed.forward(scope.create(flat, new Shape(b, t)));
        }

        /**
         * The final-normed hidden states {@code [B, t, H]} of embeddings {@code x} (the new tokens after those in
         * {@code cache}, or all of them when it is null), with their {@code mask} and {@code positions}.
         */
        NDArray forward(NDManager scope, LlamaConfig config, NDArray x, long[][] mask, long[][] positions, KvCache cache) {
            int b = mask.length;
            int t = mask[0].length;
            NDArray[] cs = config.rope().cosSin(scope, positions);
            long[][] all = mask;
            if (cache != null && cache.mask != null) {
                all = new long[b][];
                for (int i = 0; i < b; i++) {
                    all[i] = java.util.stream.LongStream.concat(java.util.Arrays.stream(cache.mask[i]), java.util.Arrays.stream(mask[i])).toArray();
                }
            }
            int past = all[0].length - t;
            NDArray additive = scope.create(attentionMask(config, all, past), new Shape(b, 1, t, all[0].length));
            for (int i = 0; i < layers.size(); i++) {
                x = layers.get(i).forward(x, cs[0], cs[1], additive, cache == null ? null : cache.layers[i]);
            }
            if (cache != null) {
                cache.mask = all;
                cache.settle();
            }
            return norm.forward(x);
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
     * Makes the embedding output a gradient leaf, so that a model with nothing trainable still runs the backward pass
     * through every frozen layer: the floor every method adapting all layers pays (benchmarks).
     */
    public void setBackpropToEmbeddings(boolean on) {
        this.backpropToEmbeddings = on;
    }

    /**
     * A decoder directory as Hugging Face writes it: config.json and model.safetensors, its shards
     * (model.safetensors.index.json) or pytorch_model.bin, float32, float16 or bfloat16 (widened to float32).
     */
    public static LlamaModel load(NDManager manager, java.nio.file.Path dir) {
        dev.dcft.io.Checkpoint ckpt = dev.dcft.io.CheckpointFormats.find(dir).read(dir);
        LlamaModel model = new LlamaModel(manager, LlamaConfig.fromJson(ckpt.config(), ckpt.configSource()));
        dev.dcft.model.ModuleWeights.load(model, "", ckpt.tensors(), manager, ckpt.source());
        return model;
    }

    /**
     * Logits {@code [B, T, vocab]} for token ids {@code [B][T]} with {@code mask} (1 real, 0 pad) and
     * {@code positions} (the rotary position of each token, e.g. counted over real tokens for left padding).
     */
    public NDArray logits(NDManager scope, long[][] ids, long[][] mask, long[][] positions) {
        return logits(scope, ids, mask, positions, null);
    }

    /** Keys and values of the tokens seen so far, per layer, and their mask: what incremental decoding keeps. */
    public static final class KvCache {
        final NDArray[][] layers;
        long[][] mask;
        private final NDManager owner;
        private NDArray[][] held;

        /** A cache whose arrays live in the step's scope (the caller keeps that scope open while decoding). */
        public KvCache(LlamaModel model) {
            this(model, null);
        }

        /**
         * A cache that owns its arrays in {@code owner}: each call's scope can then be closed after the call, and the
         * keys and values a call replaces are freed at once, so a long generation holds one copy of its cache.
         */
        public KvCache(LlamaModel model, NDManager owner) {
            layers = new NDArray[model.config.layers()][2];
            this.owner = owner;
        }

        /** Moves the current keys and values into the owner and frees the ones they replaced. */
        void settle() {
            if (owner == null) {
                return;
            }
            for (int i = 0; i < layers.length; i++) {
                for (int j = 0; j < 2; j++) {
                    NDArray a = layers[i][j];
                    if (a.getManager() != owner) {
                        a.attach(owner);
                    }
                    if (held != null && held[i][j] != null && held[i][j] != a) {
                        held[i][j].close();
                    }
                }
            }
            held = new NDArray[layers.length][];
            for (int i = 0; i < layers.length; i++) {
                held[i] = layers[i].clone();
            }
        }

        /** Tokens held (padding included). */
        public int length() {
            return mask == null ? 0 : mask[0].length;
        }
    }

    /**
     * As {@link #logits(NDManager, long[][], long[][], long[][])} for the new tokens {@code ids} {@code [B][t]} after
     * those in {@code cache} (whose arrays must live in {@code scope} or longer), which then holds them too:
     * {@code mask} and {@code positions} are the new tokens'. Logits {@code [B, t, vocab]}.
     */
    public NDArray logits(NDManager scope, long[][] ids, long[][] mask, long[][] positions, KvCache cache) {
        NDArray x = inner.embed(scope, ids);
        if (backpropToEmbeddings) {
            x.setRequiresGradient(true);
        }
        NDArray h = inner.forward(scope, config, x, mask, positions, cache);
        if (config.tieEmbeddings()) {
            // The embedding table [vocab, hidden] is the lm_head's weight: Linear's product, bf16 storage included.
            return Linear.onRows(h, config.hiddenSize(), config.vocabSize(), rows -> Linear.apply(rows, inner.embed.weight().value(), null));
        }
        return ((LinearLayer) child("lm_head")).forward(h);
    }

    /**
     * {@code [B, 1, t, T]} additive: 0 where query {@code past + i} may attend key {@code j} (j at or before it, j
     * real, within the sliding window), else {@link #MASKED}; {@code mask} covers all {@code T} tokens.
     */
    static float[] attentionMask(LlamaConfig config, long[][] mask, int past) {
        int b = mask.length;
        int total = mask[0].length;
        int t = total - past;
        Integer window = config.slidingWindow();
        float[] out = new float[b * t * total];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < t; i++) {
                int q = past + i;
                for (int j = 0; j < total; j++) {
                    boolean allowed = j <= q && mask[n][j] != 0 && (window == null || q - j < window);
                    out[(n * t + i) * total + j] = allowed ? 0f : MASKED;
                }
            }
        }
        return out;
    }
}
