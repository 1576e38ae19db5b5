package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Parameter;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random initialisation as BERT's pre-training set it up: weights N(0, 0.02^2), biases 0,
 * LayerNorm weights 1. Used for models built from a shape alone (benchmarks, tests).
 */
public final class BertInit {
    private BertInit() {
    }

    public static void randomize(BertModel model, NDManager manager, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            NDArray v = e.getValue().value();
            int n = (int) v.getShape().size();
            float[] data = new float[n];
            String name = e.getKey();
            if (name.endsWith("LayerNorm.weight")) {
                java.util.Arrays.fill(data, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < n; i++) {
                    data[i] = (float) (gaussian(rng) * 0.02);
                }
            }
            e.getValue().set(manager.create(data, v.getShape()));
        }
    }

    static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble();
        double w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
