package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DJL attaches an op's result to the manager of its first operand. Tensors computed from
 * parameters alone would therefore land in the model's manager and live (leak) until the model
 * is closed; adapters move them into the step's manager, taken from the activations.
 */
public final class Scope {
    private Scope() {
    }

    public static NDArray adopt(NDManager scope, NDArray a) {
        if (a.getManager() != scope) {
            a.attach(scope);
        }
        return a;
    }
}
