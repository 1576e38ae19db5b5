package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a constant that is safe under autograd. DJL's {@code x.mul(2.0)} makes a scalar
 * tensor over a Java direct buffer, multiplies, and closes it at once; autograd keeps that scalar
 * for the backward pass, and once the garbage collector frees the buffer the gradient reads freed
 * memory (NaN or 1e24 at random steps). Here the scalar lives in {@code x}'s manager, which in a
 * training step is the step's own, so it outlives the backward pass.
 */
public final class Scalars {
    private Scalars() {
    }

    private static NDArray scalar(NDArray like, double v) {
        return like.getManager().create((float) v).toType(like.getDataType(), false);
    }

    /** {@code v * x} computed in {@code scope} (for a parameter {@code x}, whose manager must not collect step tensors). */
    public static NDArray mulIn(ai.djl.ndarray.NDManager scope, NDArray x, double v) {
        return scope.create((float) v).toType(x.getDataType(), false).mul(x);
    }

    public static NDArray mul(NDArray x, double v) {
        return x.mul(scalar(x, v));
    }

    public static NDArray div(NDArray x, double v) {
        return x.div(scalar(x, v));
    }

    public static NDArray add(NDArray x, double v) {
        return x.add(scalar(x, v));
    }

    public static NDArray pow(NDArray x, double v) {
        return x.pow(scalar(x, v));
    }
}
