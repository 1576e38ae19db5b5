package dev.dcft.adapters;

import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import java.util.Map;

/**
 * Each method's scaled increment {@code s Delta} ({@code [out][in]}) by its definition, in float64
 * loops from the layer's tensors (named as in {@link AdapterLayer#adapterWeights}), written from
 * the papers and PEFT's documentation, never from our layers: what {@link MethodConformanceTest}
 * differentiates numerically.
 */
final class NaiveIncrements {
    private NaiveIncrements() {
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
            double[][] a = t.get("lora_A");
            double[][] b = t.get("lora_B");
            double s = c.scaleFor(path);
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
        throw new AssertionError("no naive definition for " + config.method().name() + ": add one here");
    }
}
