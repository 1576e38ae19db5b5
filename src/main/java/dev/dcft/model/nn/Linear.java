package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Bf16;
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
        // Left uninitialised: every path sets it (loading, random init, a new head's init), and pages
        // never written are never resident, so a base loaded in bf16 never holds a float32 copy.
        this.weight = addParameter("weight", manager.create(new Shape(out, in)));
        this.bias = withBias ? addParameter("bias", manager.zeros(new Shape(out))) : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        // On [B, T, in] the engine multiplies, then adds the bias in a second pass over the output;
        // on [B*T, in] it is one fused product-and-bias (addmm).
        return onRows(x, in, out, rows -> apply(rows, weight.value(), bias == null ? null : bias.value()));
    }

    /**
     * {@code x w^T + b} for 2-D {@code x}. A bfloat16 {@code w} (a base stored in bf16) multiplies
     * in bfloat16: {@code x} and {@code b} are rounded to bf16, the product's result comes back as
     * float32, so every caller keeps seeing float32 activations.
     */
    public static NDArray apply(NDArray x, NDArray w, NDArray b) {
        if (!Bf16.isBf16(w)) {
            return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
        }
        return Bf16.toFp32(applyBf16(Bf16.toBf16(x), w, b));
    }

    /**
     * {@code x w^T + b} for a 2-D bfloat16 {@code x} and a bfloat16 {@code w}, left in bfloat16: for a caller that adds
     * more to the product in bf16 before the one cast back to float32 (an adapter's increment, see AdapterLinear).
     */
    public static NDArray applyBf16(NDArray xBf16, NDArray w, NDArray b) {
        NDArray bias = b == null || Bf16.isBf16(b) ? b : Scope.adopt(xBf16.getManager(), Bf16.toBf16(b));
        return ai.djl.nn.core.Linear.linear(xBf16, w, bias).singletonOrThrow();
    }

    /** This layer on 2-D bfloat16 rows, the result left in bfloat16; only for a base stored in bf16. */
    public NDArray forwardRowsBf16(NDArray xBf16) {
        return applyBf16(xBf16, weight.value(), bias == null ? null : bias.value());
    }

    /**
     * {@code f} applied to {@code x} ({@code [..., in]}) flattened to {@code [N, in]} rows, its
     * {@code [N, out]} result reshaped back to {@code [..., out]}.
     */
    public static NDArray onRows(NDArray x, int in, int out, UnaryOperator<NDArray> f) {
        if (x.getShape().dimension() <= 2) {
            return f.apply(x);
        }
        // A copy: DJL hands out the Shape's own array, and x's shape must stay what it is.
        long[] shape = x.getShape().getShape().clone();
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
