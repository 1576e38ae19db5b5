package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Scalars;

/** Multi-head scaled dot-product self-attention: children query, key, value. */
public final class BertSelfAttention extends Module {
    private final int heads;
    private final int headDim;
    private final float dropout;

    BertSelfAttention(NDManager m, BertConfig c) {
        addChild("query", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        addChild("key", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        addChild("value", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        heads = c.numHeads;
        headDim = c.headDim();
        dropout = c.attentionDropout;
    }

    /** {@code additiveMask} is {@code [B, 1, 1, T]}: 0 for real keys, a huge negative for pads. */
    public NDArray forward(NDArray h, NDArray additiveMask) {
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        // Scaling q rather than the scores: the same product, one pass over [T, head_dim] per head instead of [T, T].
        NDArray q = Scalars.mul(split(((LinearLayer) child("query")).forward(h), b, t), 1 / Math.sqrt(headDim));
        NDArray k = split(((LinearLayer) child("key")).forward(h), b, t);
        NDArray v = split(((LinearLayer) child("value")).forward(h), b, t);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).addi(additiveMask);
        NDArray probs = Activations.dropout(scores.softmax(-1), dropout, isTraining());
        NDArray context = probs.matMul(v);
        return context.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
    }

    private NDArray split(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }
}
