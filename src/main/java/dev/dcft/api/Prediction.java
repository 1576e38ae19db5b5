package dev.dcft.api;

import java.util.List;
import java.util.Map;

/**
 * A prediction in label names: the most probable {@code label} and its probability as
 * {@code score}, every label's probability; multi-label adds the {@code labels} above 0.5; a
 * regression has {@code score} alone. The same object {@code dcft predict --output} writes.
 */
public record Prediction(String label, double score, Map<String, Double> probabilities, List<String> labels) {
}
