package dev.dcft.bench;

import java.util.ArrayList;
import java.util.List;

/** Median, minimum and maximum of timings in milliseconds. */
public record Stats(double median, double min, double max) {
    public static Stats of(List<Double> ms) {
        double[] v = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN);
        }
        double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new Stats(med, v[0], v[v.length - 1]);
    }

    /**
     * The median over rounds of {@code ms[i] / ref[i]}: each ratio compares two steps run back to
     * back, so a slow phase of the machine that spans a round cancels out.
     */
    public static double pairedRatio(List<Double> ms, List<Double> ref) {
        if (ms.size() != ref.size()) {
            throw new IllegalArgumentException("paired ratio needs as many rounds on both sides");
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            ratios.add(ms.get(i) / ref.get(i));
        }
        return of(ratios).median();
    }
}
