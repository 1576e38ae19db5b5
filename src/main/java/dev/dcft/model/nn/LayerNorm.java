package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Layer normalisation over the last axis. */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;
    private final Shape normalized;

    public LayerNorm(NDManager manager, int size, float eps) {
        this.eps = eps;
        this.normalized = new Shape(size);
        this.weight = addParameter("weight", manager.ones(normalized));
        this.bias = addParameter("bias", manager.zeros(normalized));
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight.value(), bias.value(), eps).singletonOrThrow();
    }
}
