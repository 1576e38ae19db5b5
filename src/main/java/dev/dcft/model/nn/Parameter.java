package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;

/** A named tensor owned by a module; frozen unless marked trainable. */
public final class Parameter {
    private NDArray value;
    private boolean trainable;

    public Parameter(NDArray value) {
        this.value = value;
    }

    public NDArray value() {
        return value;
    }

    /** Replaces the value, closing the old one (used by loading and merging). */
    public void set(NDArray newValue) {
        if (newValue == value) {
            return;
        }
        NDArray old = value;
        value = newValue;
        if (old != null) {
            old.close();
        }
    }

    /** Replaces the value and hands the old one back unclosed (the caller keeps or closes it). */
    public NDArray swap(NDArray newValue) {
        NDArray old = value;
        value = newValue;
        return old;
    }

    public boolean trainable() {
        return trainable;
    }

    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    public long numel() {
        return value.getShape().size();
    }
}
