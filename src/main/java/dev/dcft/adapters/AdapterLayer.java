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

    /** Adds {@code s * Delta} to the base weight; the forward pass then skips the adapter path. */
    void merge();

    /** Subtracts what {@link #merge()} added. */
    void unmerge();

    boolean isMerged();

    /** Trainable numbers in this layer's adapter. */
    long adapterParameterCount();
}
