package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;

/** Pre-norm block: {@code x + attn(norm(x))}, then {@code x + down(silu(gate(norm(x))) * up(norm(x)))}. */
final class LlamaDecoderLayer extends Module {
    private final RmsNorm inputNorm;
    private final LlamaAttention attention;
    private final RmsNorm postNorm;
    private final Module mlp;

    LlamaDecoderLayer(NDManager m, LlamaConfig c) {
        this.attention = addChild("self_attn", new LlamaAttention(m, c));
        this.mlp = addChild("mlp", new Mlp(m, c));
        this.inputNorm = addChild("input_layernorm", new RmsNorm(m, c.hiddenSize(), c.rmsEps()));
        this.postNorm = addChild("post_attention_layernorm", new RmsNorm(m, c.hiddenSize(), c.rmsEps()));
    }

    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, NDArray[] cache) {
        NDArray h = x.add(attention.forward(inputNorm.forward(x), cos, sin, mask, cache));
        return h.add(((Mlp) mlp).forward(postNorm.forward(h)));
    }

    /** SwiGLU: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}. */
    static final class Mlp extends Module {
        Mlp(NDManager m, LlamaConfig c) {
            addChild("gate_proj", new Linear(m, c.hiddenSize(), c.intermediateSize(), c.mlpBias()));
            addChild("up_proj", new Linear(m, c.hiddenSize(), c.intermediateSize(), c.mlpBias()));
            addChild("down_proj", new Linear(m, c.intermediateSize(), c.hiddenSize(), c.mlpBias()));
        }

        NDArray forward(NDArray x) {
            NDArray gate = ((LinearLayer) child("gate_proj")).forward(x);
            NDArray up = ((LinearLayer) child("up_proj")).forward(x);
            NDArray silu = gate.mul(ai.djl.nn.Activation.sigmoid(gate));
            return ((LinearLayer) child("down_proj")).forward(silu.mul(up));
        }
    }
}
