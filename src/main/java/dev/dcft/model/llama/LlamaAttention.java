package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Scope;

/**
 * Grouped-query self-attention: {@code q_proj} to {@code heads} heads, {@code k_proj}/{@code v_proj} to
 * {@code kv_heads} heads each shared by {@code heads / kv_heads} query heads, rotary embeddings on q and k,
 * scaled dot products under an additive mask (causal, padding, sliding window), {@code o_proj}.
 */
final class LlamaAttention extends Module {
    private final LlamaConfig c;

    LlamaAttention(NDManager m, LlamaConfig c) {
        this.c = c;
        addChild("q_proj", new Linear(m, c.hiddenSize(), c.heads() * c.headDim(), c.qkvBias()));
        addChild("k_proj", new Linear(m, c.hiddenSize(), c.kvHeads() * c.headDim(), c.qkvBias()));
        addChild("v_proj", new Linear(m, c.hiddenSize(), c.kvHeads() * c.headDim(), c.qkvBias()));
        addChild("o_proj", new Linear(m, c.heads() * c.headDim(), c.hiddenSize(), c.outputBias()));
    }

    private NDArray proj(String name, NDArray x) {
        return ((LinearLayer) child(name)).forward(x);
    }

    /**
     * {@code x} {@code [B, T, H]} (the new tokens), cos/sin {@code [B, 1, T, rot]}, mask {@code [B, 1, T, T_past + T]}
     * additive; {@code cache} holds this layer's keys and values of the earlier tokens ({@code [B, kv, T_past, d]},
     * null entries at the start) and receives the new ones appended: decoding then costs one token's products.
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, NDArray[] cache) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int d = c.headDim();
        NDArray q = proj("q_proj", x).reshape(b, t, c.heads(), d).transpose(0, 2, 1, 3);
        NDArray k = proj("k_proj", x).reshape(b, t, c.kvHeads(), d).transpose(0, 2, 1, 3);
        NDArray v = proj("v_proj", x).reshape(b, t, c.kvHeads(), d).transpose(0, 2, 1, 3);
        q = rotate(q, cos, sin);
        k = rotate(k, cos, sin);
        if (cache != null) {
            if (cache[0] != null) {
                k = cache[0].concat(k, 2);
                v = cache[1].concat(v, 2);
            }
            cache[0] = k;
            cache[1] = v;
            // Views owned by this call's scope: what is computed from them below must not land in the cache's manager.
            k = Scope.adopt(x.getManager(), k.reshape(k.getShape()));
            v = Scope.adopt(x.getManager(), v.reshape(v.getShape()));
        }
        long keys = k.getShape().get(2);
        int groups = c.heads() / c.kvHeads();
        if (groups > 1) {
            // repeat_kv: kv head j serves query heads j*groups ... (j+1)*groups - 1.
            k = k.expandDims(2).repeat(2, groups).reshape(b, c.heads(), keys, d);
            v = v.expandDims(2).repeat(2, groups).reshape(b, c.heads(), keys, d);
        }
        NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), 1 / Math.sqrt(d)).add(mask);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) c.heads() * d);
        return proj("o_proj", context);
    }

    /** {@code x cos + rotate_half(x) sin} on the first {@code rot} dimensions of each head, the rest unchanged. */
    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        int rot = (int) cos.getShape().get(3);
        int d = c.headDim();
        NDArray r = rot == d ? x : x.get(new NDIndex("..., :{}", rot));
        NDArray x1 = r.get(new NDIndex("..., :{}", rot / 2));
        NDArray x2 = r.get(new NDIndex("..., {}:", rot / 2));
        NDArray rotated = r.mul(cos).add(NDArrays.concat(new ai.djl.ndarray.NDList(x2.neg(), x1), -1).mul(sin));
        return rot == d ? rotated : NDArrays.concat(new ai.djl.ndarray.NDList(rotated, x.get(new NDIndex("..., {}:", rot))), -1);
    }
}
