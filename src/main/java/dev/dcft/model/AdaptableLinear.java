package dev.dcft.model;

/** One linear layer an adapter may wrap: its Hugging Face module path and sizes, known from the config alone. */
public record AdaptableLinear(String path, int in, int out) {
    /** The path without the layer index: the module type used for breakdowns. */
    public String moduleType() {
        return path.replaceFirst("^(encoder\\.layer|model\\.layers)\\.\\d+\\.", "");
    }
}
