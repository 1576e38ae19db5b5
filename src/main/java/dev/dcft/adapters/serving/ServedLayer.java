package dev.dcft.adapters.serving;

import java.util.SplittableRandom;

/**
 * One adapter's numbers for one adapted linear layer as {@code dcft serve} holds them: on the Java
 * heap (a loaded adapter holds no engine tensors: ten thousand of them cost only their numbers).
 * Rows of a batch whose layers share a {@link #groupKey} are computed together by the first one's
 * {@link #addBatched}, in one set of batched products. Each method gives its own form
 * ({@link dev.dcft.adapters.MethodConfig#servedLayer}).
 */
public interface ServedLayer {
    /** Layers with equal keys are of one class and compatible sizes: one batched product serves them all. */
    String groupKey();

    long numbers();

    /** The same kind of weights with every number scaled by a random factor (benchmark copies). */
    ServedLayer jitter(SplittableRandom rng);

    /** Adds, for every row in {@code rows.rows()}, that row's layer's increment to {@code rows.y()}. */
    void addBatched(BatchedRows rows);
}
