package dev.dcft.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.dcft.model.nn.Activations;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The counter-based dropout masks: the vectorised fill against the one-element definition, independence within 4
 * standard deviations on 10^6 elements, reproducibility from the seed (what resume relies on), and the gradient of
 * dropout being the mask. Keep rates: DropoutTest.
 */
class DropoutMasksTest {
    private static final int N = 1_000_000;

    @Test
    void fillEqualsTheDefinitionForAnyThreadCount() {
        int threshold = DropoutMasks.threshold(0.1f);
        int scaleBits = Float.floatToIntBits(1f / 0.9f);
        int k0 = 0x1234_5678;
        int k1 = 0x9ABC_DEF0;
        int[] expected = new int[N];
        for (int i = 0; i < N; i++) {
            expected[i] = DropoutMasks.kept(i, k0, k1, threshold) ? scaleBits : 0;
        }
        for (int threads : new int[] {1, 2, 3, 7}) {
            IntBuffer out = IntBuffer.allocate(N);
            DropoutMasks.fill(out, N, k0, k1, threshold, scaleBits, threads);
            assertArrayEquals(expected, out.array(), "fill over " + threads + " threads");
        }
    }

    @Test
    void masksDifferByCallAndSeedAndRepeatAfterReseeding() {
        float p = 0.1f;
        try (NDManager m = Engines.newManager()) {
            Engines.seed(42);
            boolean[] layer0 = dropped(DropoutMasks.next(m, new Shape(N), p));
            boolean[] layer1 = dropped(DropoutMasks.next(m, new Shape(N), p));
            Engines.seed(43);
            boolean[] nextStep = dropped(DropoutMasks.next(m, new Shape(N), p));
            Engines.seed(42);
            boolean[] replay = dropped(DropoutMasks.next(m, new Shape(N), p));
            assertArrayEquals(layer0, replay, "the same seed gives the same first mask (a resumed step)");
            // Independent masks drop the same element with probability p^2.
            assertIndependent(layer0, layer1, p, "two layers of one step");
            assertIndependent(layer0, nextStep, p, "one layer in two steps");
            // Neighbours within one mask are independent too (a weak generator shows here first).
            boolean[] shifted = Arrays.copyOfRange(layer0, 1, N);
            assertIndependent(Arrays.copyOf(layer0, N - 1), shifted, p, "neighbouring elements");
        }
    }

    @Test
    void gradientOfDropoutIsTheMask() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(64, 300));
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                y = Activations.dropout(x, 0.2f, true);
                gc.backward(y.sum());
            }
            float[] out = y.toFloatArray();
            float[] in = x.toFloatArray();
            float[] grad = x.getGradient().toFloatArray();
            boolean anyDropped = false;
            for (int i = 0; i < out.length; i++) {
                float expected = out[i] == 0 ? 0f : 1f / 0.8f;
                assertEquals(expected, grad[i], 1e-6, "d y_i / d x_i at " + i);
                if (out[i] != 0) {
                    assertEquals(in[i] / 0.8f, out[i], 1e-6);
                } else {
                    anyDropped = true;
                }
            }
            assertTrue(anyDropped);
        }
    }

    @Test
    void rateOneIsRefused() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.ones(new Shape(4));
            assertThrows(IllegalArgumentException.class,
                    () -> Activations.dropout(x, 1f, true));
        }
    }

    private static boolean[] dropped(NDArray mask) {
        float[] v = mask.toFloatArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] == 0;
        }
        return out;
    }

    private static void assertIndependent(boolean[] a, boolean[] b, float p, String what) {
        long both = 0;
        for (int i = 0; i < a.length; i++) {
            both += a[i] && b[i] ? 1 : 0;
        }
        double q = (double) p * p;
        double sd = Math.sqrt(a.length * q * (1 - q));
        assertTrue(Math.abs(both - a.length * q) < 4 * sd,
                what + ": both dropped " + both + " of " + a.length + ", expected " + a.length * q + " +- " + sd);
    }
}
