package dev.dcft.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;

/** Gradients checked entry by entry against central finite differences of a float64 loss. */
public final class FiniteDifferences {
    private static final double H = 1e-6;

    private FiniteDifferences() {
    }

    /**
     * For every entry of {@code target} (perturbed in place, then restored), asserts that
     * {@code autograd} (row-major) equals {@code (loss(+h) - loss(-h)) / 2h} within 1e-6 relative.
     */
    public static void check(String name, double[][] target, double[] autograd, DoubleSupplier loss) {
        int cols = target[0].length;
        for (int i = 0; i < target.length; i++) {
            for (int j = 0; j < cols; j++) {
                double keep = target[i][j];
                target[i][j] = keep + H;
                double plus = loss.getAsDouble();
                target[i][j] = keep - H;
                double minus = loss.getAsDouble();
                target[i][j] = keep;
                double numeric = (plus - minus) / (2 * H);
                double analytic = autograd[i * cols + j];
                assertTrue(Math.abs(numeric - analytic) <= 1e-6 * Math.max(1, Math.abs(numeric)),
                        name + "[" + i + "," + j + "]: autograd " + analytic + " vs finite difference " + numeric);
            }
        }
    }
}
