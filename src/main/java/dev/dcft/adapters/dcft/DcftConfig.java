package dev.dcft.adapters.dcft;

import dev.dcft.adapters.TargetModules;

/**
 * DCFT hyperparameters. {@code alpha / rank} scales the increment; the default alpha 4 at rank 1
 * reproduces the released code's effective scale ({@code lora_alpha 32 / lora_r 8}).
 *
 * @param kernel      d, the transposed-convolution kernel size
 * @param stride      t, 1 <= t <= d (t = d: non-overlapping, the paper's default)
 * @param rank        r, the subspace rank (the paper's vectors are r = 1)
 * @param alpha       scale numerator
 * @param init        GAUSSIAN (A, B, C ~ N(0, 0.02^2), as the released code) or ZERO (B = 0, so Delta starts at 0)
 * @param dropout     dropout on the adapter's input
 * @param targets     which linear layers to adapt
 */
public record DcftConfig(int kernel, int stride, int rank, double alpha, Init init, double dropout, TargetModules targets) {
    public enum Init {
        GAUSSIAN, ZERO;

        public String peftName() {
            return this == GAUSSIAN ? "gaussian" : "zero";
        }

        public static Init parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "gaussian", "true", "default" -> GAUSSIAN;
                case "zero", "zeros" -> ZERO;
                default -> throw new IllegalArgumentException("unknown DCFT init '" + s + "' (gaussian or zero)");
            };
        }
    }

    public static final double DEFAULT_ALPHA = 4;
    public static final double INIT_STD = 0.02;

    public double scale() {
        return alpha / rank;
    }
}
