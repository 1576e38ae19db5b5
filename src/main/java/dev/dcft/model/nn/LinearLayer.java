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
}
