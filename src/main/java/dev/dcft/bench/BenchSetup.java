package dev.dcft.bench;

import dev.dcft.engine.Precision;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TokenBatch;
import java.util.SplittableRandom;

/** What every benchmark shares: the model to load (fresh per method) and one random batch. */
public record BenchSetup(String model, int[] shape, int batch, int seq, int steps, int warmup) {
    public LoadedModel load() {
        return load(Precision.FP32);
    }

    /** A fresh copy of the model, its frozen base stored as {@code precision} says. */
    public LoadedModel load(Precision precision) {
        return shape != null ? ModelLoader.random(shape[0], shape[1], shape[2], shape[3], 1234, precision)
                : ModelLoader.load(model, precision);
    }

    public String modelName() {
        return shape != null ? "random " + shape[0] + "," + shape[1] + "," + shape[2] + "," + shape[3] : model;
    }

    /** Random token ids (no padding), the same for every method. */
    public TokenBatch batchTokens(int vocab) {
        SplittableRandom rng = new SplittableRandom(99);
        long[][] ids = new long[batch][seq];
        long[][] types = new long[batch][seq];
        long[][] mask = new long[batch][seq];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < seq; j++) {
                ids[i][j] = j == 0 ? 101 : j == seq - 1 ? 102 : 1000 + rng.nextInt(vocab - 1000);
                mask[i][j] = 1;
            }
        }
        return new TokenBatch(ids, types, mask);
    }

    public float[] labels() {
        float[] l = new float[batch];
        for (int i = 0; i < batch; i++) {
            l[i] = i % 2;
        }
        return l;
    }
}
