package dev.dcft.train;

import java.util.Arrays;
import java.util.Comparator;

/** The GLUE metrics, each by its textbook definition. */
public final class Metrics {
    private Metrics() {
    }

    public static double accuracy(int[] predicted, int[] gold) {
        int right = 0;
        for (int i = 0; i < gold.length; i++) {
            right += predicted[i] == gold[i] ? 1 : 0;
        }
        return gold.length == 0 ? 0 : (double) right / gold.length;
    }

    /** F1 of the positive class (label 1); 0 when there are no true positives. */
    public static double f1(int[] predicted, int[] gold) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int i = 0; i < gold.length; i++) {
            if (predicted[i] == 1 && gold[i] == 1) {
                tp++;
            } else if (predicted[i] == 1) {
                fp++;
            } else if (gold[i] == 1) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** Matthews correlation for binary labels; 0 when a marginal is empty (as scikit-learn returns). */
    public static double matthews(int[] predicted, int[] gold) {
        long tp = 0;
        long tn = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == 1;
            boolean g = gold[i] == 1;
            if (p && g) {
                tp++;
            } else if (!p && !g) {
                tn++;
            } else if (p) {
                fp++;
            } else {
                fn++;
            }
        }
        double denom = Math.sqrt((double) (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return denom == 0 ? 0 : ((double) tp * tn - (double) fp * fn) / denom;
    }

    public static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman's rho: Pearson of the ranks, ties sharing their average rank. */
    public static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }
}
