package dev.dcft.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;

/** A term a method adds to the training objective (DCFT's orthogonality penalty on its subspace factors). */
public interface AuxiliaryLoss {
    /** The term for the model's adapter layers, a scalar in {@code scope}; null when it adds nothing (weight 0, no layers). */
    NDArray loss(NDManager scope, Collection<AdapterLayer> layers);
}
