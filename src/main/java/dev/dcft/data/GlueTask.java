package dev.dcft.data;

import java.util.List;
import java.util.Locale;

/**
 * The GLUE tasks in the standard {@code glue_data} layout: where each file is, which columns hold
 * the texts and the label, and which metrics are official (the score ranks runs, GLUE's way:
 * the mean where a task has two metrics).
 */
public enum GlueTask {
    COLA("CoLA", false, List.of("0", "1"), List.of(Metric.MCC), "dev.tsv"),
    SST2("SST-2", true, List.of("0", "1"), List.of(Metric.ACCURACY), "dev.tsv"),
    MRPC("MRPC", true, List.of("0", "1"), List.of(Metric.ACCURACY, Metric.F1), "dev.tsv"),
    QQP("QQP", true, List.of("0", "1"), List.of(Metric.ACCURACY, Metric.F1), "dev.tsv"),
    STSB("STS-B", true, List.of(), List.of(Metric.PEARSON, Metric.SPEARMAN), "dev.tsv"),
    MNLI("MNLI", true, List.of("contradiction", "entailment", "neutral"), List.of(Metric.ACCURACY),
            "dev_matched.tsv", "dev_mismatched.tsv"),
    QNLI("QNLI", true, List.of("entailment", "not_entailment"), List.of(Metric.ACCURACY), "dev.tsv"),
    RTE("RTE", true, List.of("entailment", "not_entailment"), List.of(Metric.ACCURACY), "dev.tsv"),
    WNLI("WNLI", true, List.of("0", "1"), List.of(Metric.ACCURACY), "dev.tsv");

    public final String dirName;
    public final boolean hasHeader;
    public final List<String> labels;
    public final List<Metric> metrics;
    public final List<String> devFiles;

    GlueTask(String dirName, boolean hasHeader, List<String> labels, List<Metric> metrics, String... devFiles) {
        this.dirName = dirName;
        this.hasHeader = hasHeader;
        this.labels = labels;
        this.metrics = metrics;
        this.devFiles = List.of(devFiles);
    }

    public boolean isRegression() {
        return this == STSB;
    }

    public int numLabels() {
        return isRegression() ? 1 : labels.size();
    }

    /** The task as the trainer sees it. CoLA and SST-2 label single sentences, the others pairs. */
    public TaskSpec spec() {
        return new TaskSpec(cliName(), isRegression() ? TaskType.REGRESSION : TaskType.CLASSIFICATION, labels,
                this != COLA && this != SST2, metrics);
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GlueTask parse(String s) {
        String k = s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (GlueTask t : values()) {
            if (t.name().toLowerCase(Locale.ROOT).equals(k)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "' (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli)");
    }

    /** Column names in a header row: first text, second text (or null), label. */
    record Columns(String a, String b, String label) {
    }

    Columns columns() {
        return switch (this) {
            case SST2 -> new Columns("sentence", null, "label");
            case MRPC -> new Columns("#1 String", "#2 String", "Quality");
            case QQP -> new Columns("question1", "question2", "is_duplicate");
            case STSB -> new Columns("sentence1", "sentence2", "score");
            case MNLI -> new Columns("sentence1", "sentence2", "gold_label");
            case QNLI -> new Columns("question", "sentence", "label");
            case RTE, WNLI -> new Columns("sentence1", "sentence2", "label");
            case COLA -> null; // no header: source, label, original label, sentence
        };
    }
}
