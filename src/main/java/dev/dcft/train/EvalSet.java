package dev.dcft.train;

import java.util.Map;
import java.util.function.Function;

/**
 * A named evaluation set ({@code dev}, or MNLI's {@code matched} and {@code mismatched}). Tasks
 * whose metrics are not per example (question answering: answers assembled across windows) give
 * {@code metrics} from the model's raw outputs, and {@code onBest} to keep what the best evaluation
 * predicted (predictions.json).
 */
public record EvalSet(String name, EncodedDataset data, Function<float[][], Map<String, Double>> metrics, Runnable onBest) {
    public EvalSet(String name, EncodedDataset data) {
        this(name, data, null, null);
    }
}
