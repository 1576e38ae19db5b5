package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Scalars;

/**
 * DeBERTa's disentangled self-attention: content-to-content scores plus, per {@code pos_att_type},
 * content-to-position (c2p: queries against projected relative embeddings, gathered at the
 * bucketed distance i - j) and position-to-content (p2c: keys against projected relative
 * embeddings at the negated distance, transposed). All terms share the scale
 * 1/sqrt(head_dim * (1 + number of position terms)). With {@code share_att_key} the relative
 * embeddings go through {@code query_proj}/{@code key_proj} themselves (adapters included);
 * otherwise through {@code pos_query_proj}/{@code pos_key_proj}.
 */
final class DisentangledSelfAttention extends Module {
    private final DebertaV2Config c;
    private final int heads;
    private final int headDim;
    private final boolean c2p;
    private final boolean p2c;

    DisentangledSelfAttention(NDManager m, DebertaV2Config c) {
        this.c = c;
        heads = c.numHeads;
        headDim = c.headDim();
        addChild("query_proj", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        addChild("key_proj", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        addChild("value_proj", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        c2p = c.relativeAttention && c.posAttType.contains("c2p");
        p2c = c.relativeAttention && c.posAttType.contains("p2c");
        if (c.relativeAttention && !c.shareAttKey) {
            if (c2p) {
                addChild("pos_key_proj", new Linear(m, c.hiddenSize, c.hiddenSize, true));
            }
            if (p2c) {
                addChild("pos_query_proj", new Linear(m, c.hiddenSize, c.hiddenSize, true));
            }
        }
    }

    /**
     * {@code keyMask} {@code [B, 1, 1, T]} additive (0 or the fp32 minimum), {@code queryMask}
     * {@code [B, T, 1]} (1 real, 0 pad: Hugging Face's masked softmax gives padded queries zero
     * attention), {@code rel} the normalised relative embeddings {@code [2 span, H]} or null,
     * {@code index} the c2p/p2c gather indices {@code [B, heads, T, T]}.
     */
    NDArray forward(NDArray h, NDArray keyMask, NDArray queryMask, NDArray rel, RelativeIndex index) {
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        double scale = 1 / Math.sqrt((double) headDim * c.scaleFactor());
        NDArray q = Scalars.mul(split(proj("query_proj", h), b, t), scale);
        NDArray k = split(proj("key_proj", h), b, t);
        NDArray v = split(proj("value_proj", h), b, t);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (c2p || p2c) {
            NDArray r = Activations.dropout(rel, c.hiddenDropout, isTraining()).expandDims(0);
            long span2 = r.getShape().get(1);
            if (c2p) {
                NDArray posKey = splitShared(c.shareAttKey ? "key_proj" : "pos_key_proj", r, b, span2);
                NDArray c2pAtt = q.matMul(posKey.transpose(0, 1, 3, 2));
                scores = scores.add(c2pAtt.gather(index.c2p(), -1));
            }
            if (p2c) {
                NDArray posQuery = Scalars.mul(splitShared(c.shareAttKey ? "query_proj" : "pos_query_proj", r, b, span2), scale);
                NDArray p2cAtt = k.matMul(posQuery.transpose(0, 1, 3, 2));
                scores = scores.add(p2cAtt.gather(index.p2c(), -1).transpose(0, 1, 3, 2));
            }
        }
        NDArray probs = Activations.dropout(scores.addi(keyMask).softmax(-1), c.attentionDropout, isTraining());
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
        return context.mul(queryMask);
    }

    private NDArray proj(String name, NDArray x) {
        return ((LinearLayer) child(name)).forward(x);
    }

    /**
     * The relative embeddings {@code r} {@code [1, 2 span, H]} through projection {@code name}, split
     * into heads: once for the whole batch, or once per sequence where the projection differs per
     * sequence (a server batch mixing adapters).
     */
    private NDArray splitShared(String name, NDArray r, long b, long span2) {
        LinearLayer layer = (LinearLayer) child(name);
        if (!layer.variesPerSequence()) {
            return split(layer.forward(r), 1, span2);
        }
        return split(layer.forward(r.broadcast(new ai.djl.ndarray.types.Shape(b, span2, r.getShape().get(2)))), b, span2);
    }

    private NDArray split(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }
}
