package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** The c2p and p2c gather indices of one batch shape, expanded to {@code [B, heads, T, T]} (gather does not broadcast). */
record RelativeIndex(NDArray c2p, NDArray p2c) {
    static RelativeIndex of(NDManager m, DebertaV2Config c, long b, int t) {
        Shape square = new Shape(1, 1, t, t);
        Shape full = new Shape(b, c.numHeads, t, t);
        NDArray c2p = m.create(RelativePositions.c2pIndex(t, c), square).broadcast(full);
        NDArray p2c = m.create(RelativePositions.p2cIndex(t, c), square).broadcast(full);
        return new RelativeIndex(c2p, p2c);
    }
}
