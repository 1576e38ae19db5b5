package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What a parent needs of a linear slot: a frozen {@link Linear} or an adapter wrapping one.
 * Input {@code [..., in]}, output {@code [..., out]}.
 */
public interface LinearLayer {
    NDArray forward(NDArray x);

    int inFeatures();

    int outFeatures();

    /**
     * Whether the layer computes something different for each sequence of a batch (the server's
     * routed layers, one adapter per sequence): an input shared by the whole batch, such as
     * DeBERTa's relative position embeddings, must then be given once per sequence.
     */
    default boolean variesPerSequence() {
        return false;
    }
}
