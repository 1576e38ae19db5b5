package dev.dcft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Bf16;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.nn.Linear;

/**
 * The rate this machine multiplies matrices at, timed alone, against which a training step's arithmetic is judged
 * (issue 29: the {@code floor} step should run at >= 80% of it). The product is the encoder's widest, a batch's
 * tokens through the intermediate layer ({@code [N, hidden] x [hidden, ffn]}), in the step's precision through the
 * same {@link Linear#apply} the model calls (bf16: operands rounded to bf16, result back in float32).
 */
public final class GemmRate {
    /** Each measurement repeats the product until this much time has passed, so one call's noise averages out. */
    private static final double MIN_MS = 300;

    private GemmRate() {
    }

    /** GFLOP/s of {@code [tokens, in] x [in, out]} in {@code precision}, gradients off. */
    public static double gflops(int tokens, int in, int out, Precision precision) {
        Engines.gradientsOff();
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(tokens, in));
            NDArray w = m.randomUniform(-0.05f, 0.05f, new Shape(out, in));
            if (precision == Precision.BF16) {
                w = Bf16.toBf16(w);
            }
            Linear.apply(x, w, null).close(); // first call: the engine's kernels and buffers
            long reps = 0;
            long t0 = System.nanoTime();
            double ms;
            do {
                Linear.apply(x, w, null).close();
                reps++;
                ms = (System.nanoTime() - t0) / 1e6;
            } while (ms < MIN_MS || reps < 3);
            return 2.0 * tokens * in * out * reps / (ms * 1e6);
        }
    }

    /**
     * Multiply-add FLOPs of one {@code floor} training step on a BERT-layout encoder: the forward pass's linear layers
     * ({@code 2 N (4 h^2 + 2 h f)} per layer) and attention products ({@code 2 x 2 B T^2 h}), then the backward pass's
     * input gradients, which cost the linear layers once more and the attention products twice (gradients of both
     * operands of {@code q k^T} and of {@code p v}); no weight gradients (the floor trains none). Embeddings, norms,
     * softmax and the head are left out: this is the arithmetic a matrix unit must do, not all the work.
     */
    public static double floorStepFlops(EncoderConfig c, int batch, int seq) {
        double tokens = (double) batch * seq;
        double h = c.hiddenSize;
        double linear = 2 * tokens * (4 * h * h + 2 * h * c.intermediateSize);
        double attention = 2 * 2 * (double) batch * seq * seq * h;
        return c.numLayers * (2 * linear + 3 * attention);
    }
}
