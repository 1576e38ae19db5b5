package dev.dcft.adapters.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Linear;
import java.util.List;

/**
 * One adapted layer's work in a mixed batch: input {@code x} {@code [S, T, in]}, the base layer's
 * output {@code y} {@code [S, T, out]} (updated in place), the sequences {@code rows} whose layers
 * share one {@link ServedLayer#groupKey}, and every sequence's layer ({@code layers[s]}, null for
 * those outside the group or without an adapter). The frozen {@code base} is there for methods
 * whose increment rescales the base's own product.
 */
public record BatchedRows(NDManager scope, int sequences, int length, NDArray x, NDArray y, List<Integer> rows, ServedLayer[] layers,
        Linear base) {
}
