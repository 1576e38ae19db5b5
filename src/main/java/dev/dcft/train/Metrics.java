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
        return f1Of(predicted, gold, 1);
    }

    /** F1 of class {@code c} treating it as positive; 0 when it has no true positives. */
    static double f1Of(int[] predicted, int[] gold, int c) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int i = 0; i < gold.length; i++) {
            if (predicted[i] == c && gold[i] == c) {
                tp++;
            } else if (predicted[i] == c) {
                fp++;
            } else if (gold[i] == c) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** Unweighted mean of the per-class F1 over {@code classes} classes (scikit-learn's average='macro' over all labels). */
    public static double macroF1(int[] predicted, int[] gold, int classes) {
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += f1Of(predicted, gold, c);
        }
        return classes == 0 ? 0 : sum / classes;
    }

    /**
     * Matthews correlation for any number of classes (Gorodkin's R_K, what scikit-learn computes):
     * equal to the binary formula for two classes; 0 when the denominator vanishes.
     */
    public static double matthewsMulticlass(int[] predicted, int[] gold, int classes) {
        long[] t = new long[classes];
        long[] p = new long[classes];
        long c = 0;
        long n = gold.length;
        for (int i = 0; i < gold.length; i++) {
            t[gold[i]]++;
            p[predicted[i]]++;
            c += predicted[i] == gold[i] ? 1 : 0;
        }
        double sumPt = 0;
        double sumPp = 0;
        double sumTt = 0;
        for (int k = 0; k < classes; k++) {
            sumPt += (double) p[k] * t[k];
            sumPp += (double) p[k] * p[k];
            sumTt += (double) t[k] * t[k];
        }
        double denom = Math.sqrt(((double) n * n - sumPp) * ((double) n * n - sumTt));
        return denom == 0 ? 0 : ((double) c * n - sumPt) / denom;
    }

    /**
     * Multi-label F1 from per-label decisions {@code predicted[i][k]} and truth {@code gold[i][k]}:
     * micro pools every (example, label) decision; macro averages each label's F1.
     */
    public static double[] multiLabelF1(boolean[][] predicted, boolean[][] gold, int labels) {
        long tpAll = 0;
        long fpAll = 0;
        long fnAll = 0;
        double macro = 0;
        for (int k = 0; k < labels; k++) {
            long tp = 0;
            long fp = 0;
            long fn = 0;
            for (int i = 0; i < gold.length; i++) {
                if (predicted[i][k] && gold[i][k]) {
                    tp++;
                } else if (predicted[i][k]) {
                    fp++;
                } else if (gold[i][k]) {
                    fn++;
                }
            }
            macro += tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
            tpAll += tp;
            fpAll += fp;
            fnAll += fn;
        }
        double micro = tpAll == 0 ? 0 : 2.0 * tpAll / (2.0 * tpAll + fpAll + fnAll);
        return new double[] {micro, labels == 0 ? 0 : macro / labels};
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
