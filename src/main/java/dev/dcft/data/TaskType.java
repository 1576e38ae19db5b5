package dev.dcft.data;

import java.util.Locale;

/** What a task predicts: one class, one number, a set of classes, or an answer span. Names as Hugging Face's {@code problem_type}. */
public enum TaskType {
    CLASSIFICATION("single_label_classification"), REGRESSION("regression"), MULTI_LABEL("multi_label_classification"),
    /** Extractive question answering (SQuAD): a start and an end logit per token. */
    QUESTION_ANSWERING("question_answering");

    /** Hugging Face's {@code problem_type} value. */
    public final String problemType;

    TaskType(String problemType) {
        this.problemType = problemType;
    }

    public String cliName() {
        return switch (this) {
            case MULTI_LABEL -> "multi-label";
            case QUESTION_ANSWERING -> "question-answering";
            default -> name().toLowerCase(Locale.ROOT);
        };
    }

    public static TaskType parse(String s) {
        String k = s.toLowerCase(Locale.ROOT).replace("_", "-");
        for (TaskType t : values()) {
            if (t.cliName().equals(k) || t.problemType.equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task type '" + s + "' (classification, regression, multi-label)");
    }
}
