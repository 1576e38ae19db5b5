package dev.dcft.train;

import dev.dcft.data.Example;
import dev.dcft.data.GlueTask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's official metrics on one evaluation set, and the single score that ranks runs (the
 * mean of the task's metrics, GLUE's convention; MNLI: the mean of matched and mismatched accuracy).
 */
public final class TaskMetrics {
    private TaskMetrics() {
    }

    /** Metrics for predictions on {@code gold}: class indices, or scores for regression. */
    public static Map<String, Double> compute(GlueTask task, List<Example> gold, float[][] outputs) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (task.isRegression()) {
            double[] pred = new double[gold.size()];
            double[] want = new double[gold.size()];
            for (int i = 0; i < pred.length; i++) {
                pred[i] = outputs[i][0];
                want[i] = gold.get(i).score();
            }
            m.put(GlueTask.Metric.PEARSON.key, Metrics.pearson(pred, want));
            m.put(GlueTask.Metric.SPEARMAN.key, Metrics.spearman(pred, want));
            return m;
        }
        int[] pred = new int[gold.size()];
        int[] want = new int[gold.size()];
        for (int i = 0; i < pred.length; i++) {
            pred[i] = argmax(outputs[i]);
            want[i] = gold.get(i).label();
        }
        for (GlueTask.Metric metric : task.metrics) {
            m.put(metric.key, switch (metric) {
                case ACCURACY -> Metrics.accuracy(pred, want);
                case F1 -> Metrics.f1(pred, want);
                case MCC -> Metrics.matthews(pred, want);
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
