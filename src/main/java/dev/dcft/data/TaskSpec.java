package dev.dcft.data;

import java.util.List;

/**
 * A task as the trainer sees it, whatever its source (a GLUE task, the user's file): its type,
 * label names in id order (none for regression), whether inputs are pairs, and the metrics that
 * rank runs (their mean).
 */
public record TaskSpec(String name, TaskType type, List<String> labels, boolean pairs, List<Metric> metrics) {
    public TaskSpec {
        labels = List.copyOf(labels);
        metrics = List.copyOf(metrics);
    }

    /** The default metrics of each type for the user's own data. */
    public static TaskSpec custom(String name, TaskType type, List<String> labels, boolean pairs) {
        List<Metric> metrics = switch (type) {
            case CLASSIFICATION -> List.of(Metric.ACCURACY, Metric.MACRO_F1, Metric.MCC);
            case REGRESSION -> List.of(Metric.PEARSON, Metric.SPEARMAN);
            case MULTI_LABEL -> List.of(Metric.MICRO_F1, Metric.MACRO_F1);
            case QUESTION_ANSWERING -> List.of(Metric.EXACT_MATCH, Metric.SQUAD_F1);
        };
        return new TaskSpec(name, type, labels, pairs, metrics);
    }

    /**
     * The task an adapter directory's adapter_config.json describes ({@code problem_type}, {@code id2label}, as our runs
     * and Hugging Face's model configs write them): single-label classification when it says nothing, labels
     * {@code LABEL_i} where a name is missing.
     */
    public static TaskSpec fromAdapterConfig(String name, com.fasterxml.jackson.databind.JsonNode c, boolean pairs) {
        TaskType type = TaskType.parse(c.path("problem_type").asText("single_label_classification"));
        List<String> labels = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode id2label = c.path("id2label");
        for (int i = 0; i < id2label.size(); i++) {
            labels.add(id2label.path(Integer.toString(i)).asText("LABEL_" + i));
        }
        return custom(name, type, labels, pairs);
    }

    public boolean isRegression() {
        return type == TaskType.REGRESSION;
    }

    public boolean isMultiLabel() {
        return type == TaskType.MULTI_LABEL;
    }

    public boolean isQuestionAnswering() {
        return type == TaskType.QUESTION_ANSWERING;
    }

    /** Outputs of the head (per token for question answering): one for regression, start and end for QA, one per label otherwise. */
    public int numLabels() {
        return isRegression() ? 1 : isQuestionAnswering() ? 2 : labels.size();
    }
}
