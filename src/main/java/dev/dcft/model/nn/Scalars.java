package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that is safe under autograd. DJL's {@code x.mul(2.0)} makes a scalar
 * tensor over a Java direct buffer, multiplies, and closes it at once; autograd keeps that scalar
 * for the backward pass, and once the garbage collector frees the buffer the gradient reads freed
 * memory (NaN or 1e24 at random steps). Here the scalar is filled by the engine ({@code full}), so
 * its memory is the engine's own, reference-counted: autograd keeps it alive however early its
 * Java handle is closed.
 */
public final class Scalars {
    private Scalars() {
    }

    private static NDArray scalar(NDManager scope, double v, DataType type) {
        return scope.full(new Shape(), (float) v, type);
    }

    /** {@code v * x} computed in {@code scope} (for a parameter {@code x}, whose manager must not collect step tensors). */
    public static NDArray mulIn(NDManager scope, NDArray x, double v) {
        return scalar(scope, v, x.getDataType()).mul(x);
    }

    public static NDArray mul(NDArray x, double v) {
        return x.mul(scalar(x.getManager(), v, x.getDataType()));
    }

    public static NDArray div(NDArray x, double v) {
        return x.div(scalar(x.getManager(), v, x.getDataType()));
    }

    public static NDArray add(NDArray x, double v) {
        return x.add(scalar(x.getManager(), v, x.getDataType()));
    }

    public static NDArray pow(NDArray x, double v) {
        return x.pow(scalar(x.getManager(), v, x.getDataType()));
    }
}
