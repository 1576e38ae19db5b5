package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.dcft.engine.Bf16;

/** A lookup table {@code [count, dim]} indexed by int64 ids. */
public final class Embedding extends Module {
    private final Parameter weight;
    private final int count;

    public Embedding(NDManager manager, int count, int dim) {
        this.count = count;
        // Uninitialised until loaded or drawn, as Linear's weight.
        this.weight = addParameter("weight", manager.create(new Shape(count, dim)));
    }

    public NDArray forward(NDArray ids) {
        NDArray w = weight.value();
        // A bf16 table (a base stored in bf16) gives float32 vectors: the sums and LayerNorm after it stay float32.
        return Bf16.toFp32(w.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE).singletonOrThrow());
    }

    public Parameter weight() {
        return weight;
    }

    public int count() {
        return count;
    }
}
