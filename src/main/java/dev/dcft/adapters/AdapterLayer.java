package dev.dcft.adapters;

import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Weight;
import java.util.Map;

/** A frozen linear layer (child {@code base_layer}) with a trainable increment that can be folded in. */
public interface AdapterLayer extends LinearLayer {
    Linear baseLayer();

    /** The adapter's own tensors by PEFT suffix ({@code lora_A}, {@code dcft_C}, ...). */
    Map<String, Weight> adapterWeights();

    /**
     * Whether the adapter tensor {@code name} trains; tensors saved with the adapter but frozen
     * (VeRA's shared random projections) say no.
     */
    default boolean trains(String name) {
        return true;
    }

    /**
     * The file key of adapter tensor {@code name} after the module path: PEFT's {@code name.weight},
     * or the bare name where PEFT keeps a plain parameter (DoRA's {@code lora_magnitude_vector}).
     */
    default String fileKey(String name) {
        return name + ".weight";
    }

    /**
     * Frozen tensors every layer of the adapter shares (VeRA's random projections), by name: saved
     * once, as {@code base_model.<name>}, and not part of the module tree. None by default.
     */
    default Map<String, Weight> sharedWeights() {
        return Map.of();
    }

    /** Adds {@code s * Delta} to the base weight; the forward pass then skips the adapter path. */
    void merge();

    /** Subtracts what {@link #merge()} added. */
    void unmerge();

    boolean isMerged();

    /**
     * Benchmark baseline only: build the whole increment matrix every forward pass, as the paper's
     * released code does, instead of the method's own product. Returns false where the method has
     * no such form.
     */
    default boolean setMaterialized(boolean materialized) {
        return false;
    }

    /** Trainable numbers in this layer's adapter. */
    long adapterParameterCount();
}
