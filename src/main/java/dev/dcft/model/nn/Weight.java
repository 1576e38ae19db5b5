package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * A module that holds one tensor named {@code weight} (and at most a {@code bias}), so adapter
 * tensors get PEFT's paths ({@code ...query.lora_A.weight}, {@code ...query.dcft_C.weight},
 * {@code ...query.lora_B.bias}).
 */
public final class Weight extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Weight(NDArray value) {
        this(value, null);
    }

    /** With a {@code bias} beside the weight (PEFT's {@code lora_B} with {@code lora_bias}). */
    public Weight(NDArray value, NDArray bias) {
        this.weight = addParameter("weight", value);
        this.bias = bias == null ? null : addParameter("bias", bias);
    }

    /** The bias, or null. */
    public Parameter biasParameter() {
        return bias;
    }

    public Parameter parameter() {
        return weight;
    }

    public NDArray value() {
        return weight.value();
    }
}
