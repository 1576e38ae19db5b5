package dev.dcft.adapters;

import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import java.util.Map;

/**
 * Each method's adapted weight ({@code [out][in]}) by its definition, in float64 loops from the
 * layer's tensors (named as in {@link AdapterLayer#adapterWeights}), written from the papers and
 * PEFT's documentation, never from our layers: what {@link MethodConformanceTest} differentiates
 * numerically. {@code frozen} holds the tensors' values before any perturbation: the parts a
 * method treats as constants (DoRA's norm) are computed from them.
 */
final class NaiveIncrements {
    private NaiveIncrements() {
    }

    static double[][] effectiveWeight(MethodConfig config, String path, Map<String, double[][]> t, Map<String, double[][]> frozen,
            double[][] w0) {
        int out = w0.length;
        int in = w0[0].length;
        if (config instanceof dev.dcft.adapters.dora.DoraConfig d) {
            // DoRA: W' = m / ||W0 + s B A||_row (W0 + s B A), the norm detached (a constant: the unperturbed values).
            double[][] now = plus(w0, loraDelta(t, d.lora().scaleFor(path), in, out));
            double[][] still = plus(w0, loraDelta(frozen, d.lora().scaleFor(path), in, out));
            double[][] m = t.get("lora_magnitude_vector");
            for (int j = 0; j < out; j++) {
                double norm = 0;
                for (int i = 0; i < in; i++) {
                    norm += still[j][i] * still[j][i];
                }
                double g = m[j][0] / Math.sqrt(norm);
                for (int i = 0; i < in; i++) {
                    now[j][i] *= g;
                }
            }
            return now;
        }
        if (config instanceof dev.dcft.adapters.vera.VeraConfig) {
            // VeRA: W' = W0 + diag(lambda_b) B[:out, :] diag(lambda_d) A[:, :in], A and B the shared frozen projections.
            double[][] a = t.get("vera_A");
            double[][] b = t.get("vera_B");
            double[][] lb = t.get("vera_lambda_b");
            double[][] ld = t.get("vera_lambda_d");
            double[][] delta = new double[out][in];
            for (int j = 0; j < out; j++) {
                for (int i = 0; i < in; i++) {
                    double v = 0;
                    for (int k = 0; k < a.length; k++) {
                        v += b[j][k] * ld[k][0] * a[k][i];
                    }
                    delta[j][i] = lb[j][0] * v;
                }
            }
            return plus(w0, delta);
        }
        return plus(w0, scaledDelta(config, path, t, in, out));
    }

    private static double[][] plus(double[][] w0, double[][] delta) {
        double[][] w = new double[w0.length][w0[0].length];
        for (int j = 0; j < w0.length; j++) {
            for (int i = 0; i < w0[0].length; i++) {
                w[j][i] = w0[j][i] + delta[j][i];
            }
        }
        return w;
    }

    /** {@code s B A}. */
    private static double[][] loraDelta(Map<String, double[][]> t, double s, int in, int out) {
        double[][] a = t.get("lora_A");
        double[][] b = t.get("lora_B");
        double[][] delta = new double[out][in];
        for (int j = 0; j < out; j++) {
            for (int i = 0; i < in; i++) {
                double v = 0;
                for (int k = 0; k < a.length; k++) {
                    v += b[j][k] * a[k][i];
                }
                delta[j][i] = s * v;
            }
        }
        return delta;
    }

    static double[][] scaledDelta(MethodConfig config, String path, Map<String, double[][]> t, int in, int out) {
        if (config instanceof DcftConfig c) {
            // SPEC section 1: D = conv_transpose2d(A^T B^T, C, stride t), Delta = D^T, scaled by alpha / r.
            double[][] d = NaiveDcft.deconvolution(t.get("dcft_A"), t.get("dcft_B"), t.get("dcft_C"), c.stride(), in, out);
            double[][] delta = new double[out][in];
            for (int j = 0; j < out; j++) {
                for (int i = 0; i < in; i++) {
                    delta[j][i] = c.scale() * d[i][j];
                }
            }
            return delta;
        }
        if (config instanceof LoraConfig c) {
            // Delta = (alpha / r) B A.
            return loraDelta(t, c.scaleFor(path), in, out);
        }
        throw new AssertionError("no naive definition for " + config.method().name() + ": add one here");
    }
}
