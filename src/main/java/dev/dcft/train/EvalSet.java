package dev.dcft.train;

/** A named evaluation set ({@code dev}, or MNLI's {@code matched} and {@code mismatched}). */
public record EvalSet(String name, EncodedDataset data) {
}
