package dev.dcft.data;

/** The metrics a task reports, under the keys written to metrics.json. */
public enum Metric {
    ACCURACY("accuracy"), F1("f1"), MACRO_F1("macro_f1"), MICRO_F1("micro_f1"), MCC("matthews_correlation"),
    PEARSON("pearson"), SPEARMAN("spearman"), EXACT_MATCH("exact_match"), SQUAD_F1("f1");

    public final String key;

    Metric(String key) {
        this.key = key;
    }
}
