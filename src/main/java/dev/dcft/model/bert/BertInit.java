package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.FrozenBf16;
import dev.dcft.model.nn.Parameter;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random initialisation as BERT's pre-training set it up: weights N(0, 0.02^2), biases 0,
 * LayerNorm weights 1. Used for models built from a shape alone (benchmarks, tests).
 */
public final class BertInit {
    private BertInit() {
    }

    public static void randomize(BertModel model, NDManager manager, long seed) {
        randomize(model, manager, seed, Set.of());
    }

    /** As above; each parameter in {@code bf16} is stored in bfloat16 as soon as it is drawn. */
    public static void randomize(BertModel model, NDManager manager, long seed, Set<Parameter> bf16) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] buffer = new float[0];
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            NDArray v = e.getValue().value();
            int n = (int) v.getShape().size();
            // One host buffer, reused: drawing a large base must not leave its float32 copy on the Java heap.
            if (buffer.length < n) {
                buffer = new float[n];
            }
            float[] data = buffer;
            java.util.Arrays.fill(data, 0, n, 0f);
            String name = e.getKey();
            if (name.endsWith("LayerNorm.weight")) {
                java.util.Arrays.fill(data, 0, n, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < n; i++) {
                    data[i] = (float) (gaussian(rng) * 0.02);
                }
            }
            if (bf16.contains(e.getValue())) {
                FrozenBf16.setFromHost(e.getValue(), manager, data, n, v.getShape());
            } else {
                e.getValue().set(manager.create(java.nio.FloatBuffer.wrap(data, 0, n), v.getShape()));
            }
        }
    }

    static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble();
        double w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
