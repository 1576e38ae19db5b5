package dev.dcft.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The masked next-token loss against a naive double-precision log-softmax written here. */
class CausalLmLossTest {
    @Test
    void summedNllIsTheMaskedNextTokenCrossEntropy() {
        int b = 2;
        int t = 5;
        int v = 7;
        SplittableRandom r = new SplittableRandom(5);
        float[] logits = new float[b * t * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextDouble() * 6 - 3);
        }
        long[][] ids = {{1, 4, 2, 6, 0}, {3, 3, 5, 1, 2}};
        boolean[][] trained = {{false, false, true, true, false}, {false, true, true, true, true}};
        double want = 0;
        for (int n = 0; n < b; n++) {
            for (int j = 1; j < t; j++) {
                if (!trained[n][j]) {
                    continue;
                }
                int o = (n * t + j - 1) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    max = Math.max(max, logits[o + k]);
                }
                double z = 0;
                for (int k = 0; k < v; k++) {
                    z += Math.exp(logits[o + k] - max);
                }
                want -= logits[o + (int) ids[n][j]] - max - Math.log(z);
            }
        }
        try (NDManager m = Engines.newManager()) {
            double got = CausalLmLoss.summedNll(m, m.create(logits, new Shape(b, t, v)), ids, trained).getFloat();
            assertEquals(want, got, 1e-5 * Math.abs(want));
            assertEquals(6, CausalLmLoss.scored(trained));
        }
    }
}
