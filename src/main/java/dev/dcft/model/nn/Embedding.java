package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/** A lookup table {@code [count, dim]} indexed by int64 ids. */
public final class Embedding extends Module {
    private final Parameter weight;
    private final int count;

    public Embedding(NDManager manager, int count, int dim) {
        this.count = count;
        this.weight = addParameter("weight", manager.zeros(new Shape(count, dim)));
    }

    public NDArray forward(NDArray ids) {
        NDArray w = weight.value();
        return w.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
    }

    public Parameter weight() {
        return weight;
    }

    public int count() {
        return count;
    }
}
