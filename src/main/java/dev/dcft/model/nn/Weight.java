package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * A module that only holds one tensor named {@code weight}, so adapter tensors get PEFT's paths
 * ({@code ...query.lora_A.weight}, {@code ...query.dcft_C.weight}).
 */
public final class Weight extends Module {
    private final Parameter weight;

    public Weight(NDArray value) {
        this.weight = addParameter("weight", value);
    }

    public Parameter parameter() {
        return weight;
    }

    public NDArray value() {
        return weight.value();
    }
}
