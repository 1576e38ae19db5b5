package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Activations;
import org.junit.jupiter.api.Test;

/** Inverted dropout: each element kept with probability 1 - p and scaled by 1 / (1 - p), independently. */
class DropoutTest {
    @Test
    void keepsOneMinusPAndScalesTheKept() {
        int n = 1_000_000;
        try (NDManager m = Engines.newManager()) {
            for (float p : new float[] {0.05f, 0.1f, 0.5f, 0.9f}) {
                NDArray x = m.ones(new Shape(n)).mul(3f);
                float[] y = Activations.dropout(x, p, true).toFloatArray();
                int kept = 0;
                for (float v : y) {
                    if (v != 0) {
                        assertEquals(3 / (1 - p), v, 1e-5, "a kept element is x / (1 - p)");
                        kept++;
                    }
                }
                // Binomial(n, 1 - p): within 4 standard deviations (issue 29's test of the counter-based masks).
                double sd = Math.sqrt(n * p * (1 - p));
                assertTrue(Math.abs(kept - n * (1 - p)) < 4 * sd, "kept " + kept + " of " + n + " at p=" + p);
            }
        }
    }

    @Test
    void masksDifferBetweenCallsAndAreIdentityOutsideTraining() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.ones(new Shape(10_000));
            float[] first = Activations.dropout(x, 0.3f, true).toFloatArray();
            float[] second = Activations.dropout(x, 0.3f, true).toFloatArray();
            int differ = 0;
            for (int i = 0; i < first.length; i++) {
                differ += (first[i] == 0) != (second[i] == 0) ? 1 : 0;
            }
            // Independent masks disagree on 2 p (1 - p) = 42% of elements.
            assertTrue(differ > 3_500 && differ < 4_900, "masks disagree on " + differ + " of 10000");
            assertSame(x, Activations.dropout(x, 0.3f, false));
            assertSame(x, Activations.dropout(x, 0f, true));
        }
    }
}
