package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/** {@code y = x W^T + b} with W stored {@code [out, in]} as in PyTorch. */
public final class Linear extends Module implements LinearLayer {
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    public Linear(NDManager manager, int in, int out, boolean withBias) {
        this.in = in;
        this.out = out;
        this.weight = addParameter("weight", manager.zeros(new Shape(out, in)));
        this.bias = withBias ? addParameter("bias", manager.zeros(new Shape(out))) : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        // On [B, T, in] the engine multiplies, then adds the bias in a second pass over the output;
        // on [B*T, in] it is one fused product-and-bias (addmm).
        return onRows(x, in, out, rows -> ai.djl.nn.core.Linear.linear(rows, weight.value(),
                bias == null ? null : bias.value()).singletonOrThrow());
    }

    /**
     * {@code f} applied to {@code x} ({@code [..., in]}) flattened to {@code [N, in]} rows, its
     * {@code [N, out]} result reshaped back to {@code [..., out]}.
     */
    public static NDArray onRows(NDArray x, int in, int out, UnaryOperator<NDArray> f) {
        if (x.getShape().dimension() <= 2) {
            return f.apply(x);
        }
        long[] shape = x.getShape().getShape();
        NDArray y = f.apply(x.reshape(-1, in));
        shape[shape.length - 1] = out;
        return y.reshape(new Shape(shape));
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }
}
