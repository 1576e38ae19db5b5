package dev.dcft.train;

import dev.dcft.data.Example;
import dev.dcft.data.Metric;
import dev.dcft.data.TaskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's metrics on one evaluation set, and the single score that ranks runs (the mean of the
 * task's metrics, GLUE's convention; MNLI: the mean of matched and mismatched accuracy).
 */
public final class TaskMetrics {
    private TaskMetrics() {
    }

    /** Metrics for head outputs on {@code gold}: logits (classification, multi-label) or scores (regression). */
    public static Map<String, Double> compute(TaskSpec task, List<Example> gold, float[][] outputs) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (task.isRegression()) {
            double[] pred = new double[gold.size()];
            double[] want = new double[gold.size()];
            for (int i = 0; i < pred.length; i++) {
                pred[i] = outputs[i][0];
                want[i] = gold.get(i).score();
            }
            m.put(Metric.PEARSON.key, Metrics.pearson(pred, want));
            m.put(Metric.SPEARMAN.key, Metrics.spearman(pred, want));
            return m;
        }
        int k = task.numLabels();
        if (task.isMultiLabel()) {
            boolean[][] pred = new boolean[gold.size()][k];
            boolean[][] want = new boolean[gold.size()][k];
            for (int i = 0; i < pred.length; i++) {
                for (int j = 0; j < k; j++) {
                    pred[i][j] = outputs[i][j] > 0; // sigmoid > 0.5
                }
                for (int j : gold.get(i).labelSet()) {
                    want[i][j] = true;
                }
            }
            double[] f1 = Metrics.multiLabelF1(pred, want, k);
            m.put(Metric.MICRO_F1.key, f1[0]);
            m.put(Metric.MACRO_F1.key, f1[1]);
            return m;
        }
        int[] pred = new int[gold.size()];
        int[] want = new int[gold.size()];
        for (int i = 0; i < pred.length; i++) {
            pred[i] = argmax(outputs[i]);
            want[i] = gold.get(i).label();
        }
        for (Metric metric : task.metrics()) {
            m.put(metric.key, switch (metric) {
                case ACCURACY -> Metrics.accuracy(pred, want);
                case F1 -> Metrics.f1(pred, want);
                case MACRO_F1 -> Metrics.macroF1(pred, want, k);
                case MCC -> k == 2 ? Metrics.matthews(pred, want) : Metrics.matthewsMulticlass(pred, want, k);
                default -> throw new IllegalStateException(metric.toString());
            });
        }
        return m;
    }

    public static double score(Map<String, Double> metrics) {
        return metrics.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
