package dev.dcft.model.nn;

import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/** Weight initialisation for new heads, as Hugging Face initialises a missing layer: N(0, std^2) weights, zero bias. */
public final class Inits {
    private Inits() {
    }

    public static void normal(Linear layer, NDManager manager, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[layer.inFeatures() * layer.outFeatures()];
        for (int i = 0; i < w.length; i++) {
            double u = rng.nextDouble();
            double v = rng.nextDouble();
            w[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        layer.weight().set(manager.create(w, layer.weight().value().getShape()));
    }
}
