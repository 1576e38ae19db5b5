package dev.dcft.bench;

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
}
