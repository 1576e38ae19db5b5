package dev.dcft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.Adapters;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Weight;
import java.util.List;
import java.util.SplittableRandom;

/** Helpers for adapter tests: non-trivial adapter values and forward passes. */
public final class AdapterFixtures {
    private AdapterFixtures() {
    }

    /** Overwrites every adapter tensor with U(-scale, scale), so the increment is far from zero. */
    public static void randomizeAdapters(Module root, NDManager manager, long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (AdapterLayer layer : Adapters.layers(root).values()) {
            for (Weight w : layer.adapterWeights().values()) {
                NDArray v = w.value();
                float[] data = new float[(int) v.getShape().size()];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
                }
                w.parameter().set(manager.create(data, v.getShape()));
            }
        }
    }

    public static final List<String> TEXTS = List.of("adapters change what the encoder computes",
            "a second sentence, somewhat longer, for a padded batch", "short");

    /**
     * Last hidden states of the real tokens of {@link #TEXTS} (padding positions are dropped: they
     * are masked out of every use of the output).
     */
    public static float[] lastHidden(LoadedModel m) {
        m.model().setTraining(false);
        TokenBatch batch = m.tokenizer().encode(TEXTS);
        int h = m.model().config().hiddenSize;
        try (NDManager step = m.manager().newSubManager()) {
            float[] all = m.model().forward(EncoderInput.of(step, batch, m.model().config())).toFloatArray();
            float[] real = new float[all.length];
            int n = 0;
            for (int i = 0; i < batch.size(); i++) {
                for (int t = 0; t < batch.length(); t++) {
                    if (batch.mask()[i][t] != 0) {
                        System.arraycopy(all, (i * batch.length() + t) * h, real, n, h);
                        n += h;
                    }
                }
            }
            return java.util.Arrays.copyOf(real, n);
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
