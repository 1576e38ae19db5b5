package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.dcft.DcftKernels;
import dev.dcft.adapters.dcft.DcftLinear;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The factorised layer against the naive transposed convolution, on random layers of every kind. */
class DcftDefinitionTest {
    /** 45 cases: d in {1,2,3,4,8}, t from 1 to d, r in {1,2,4}, square and non-square layers. */
    static Stream<Arguments> cases() {
        Random rng = new Random(2025);
        List<Arguments> out = new ArrayList<>();
        int[] kernels = {1, 2, 3, 4, 8};
        int[] ranks = {1, 2, 4};
        int n = 0;
        for (int d : kernels) {
            List<Integer> strides = new ArrayList<>(List.of(d));
            if (d > 1) {
                strides.add(1);
            }
            if (d >= 4) {
                strides.add(d / 2);
            }
            if (d == 3) {
                strides.add(2);
            }
            for (int t : strides) {
                for (int r : ranks) {
                    // sizes (n - 1) t + d; alternate square and non-square
                    int nIn = 2 + rng.nextInt(6);
                    int nOut = (n % 2 == 0) ? nIn : 1 + rng.nextInt(9);
                    out.add(Arguments.of(d, t, r, (nIn - 1) * t + d, (nOut - 1) * t + d, 1000L + n));
                    n++;
                }
            }
        }
        return out.stream();
    }

    static double[][] random(SplittableRandom rng, int rows, int cols, double scale) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (rng.nextDouble() * 2 - 1) * scale;
            }
        }
        return m;
    }

    static NDArray toArray(NDManager m, double[][] v, DataType type) {
        double[] flat = new double[v.length * v[0].length];
        for (int i = 0; i < v.length; i++) {
            System.arraycopy(v[i], 0, flat, i * v[0].length, v[0].length);
        }
        return m.create(flat, new Shape(v.length, v[0].length)).toType(type, false);
    }

    @ParameterizedTest(name = "d={0} t={1} r={2} in={3} out={4}")
    @MethodSource("cases")
    void layerMatchesDefinition(int d, int t, int r, int in, int out, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int nIn = (in - d) / t + 1;
        int nOut = (out - d) / t + 1;
        double[][] x = random(rng, 5, in, 1);
        double[][] w0 = random(rng, out, in, 0.5);
        double[] bias = random(rng, 1, out, 0.5)[0];
        double[][] a = random(rng, r, nIn, 1);
        double[][] b = random(rng, nOut, r, 1);
        double[][] c = random(rng, d, d, 1);
        double alpha = 0.7 * r;
        double[][] dm = NaiveDcft.deconvolution(a, b, c, t, in, out);
        double[][] want = NaiveDcft.forward(x, w0, bias, dm, alpha / r);

        try (NDManager m = Engines.newManager()) {
            Linear base = new Linear(m, in, out, true);
            base.weight().set(toArray(m, w0, DataType.FLOAT32));
            base.bias().set(m.create(toFloat(bias)));
            DcftConfig config = new DcftConfig(d, t, r, alpha, DcftConfig.Init.GAUSSIAN, 0, TargetModules.names(List.of("x")));
            DcftLinear layer = new DcftLinear(m, "test", base, config, new SplittableRandom(1));
            layer.adapterWeights().get("dcft_A").parameter().set(toArray(m, a, DataType.FLOAT32));
            layer.adapterWeights().get("dcft_B").parameter().set(toArray(m, b, DataType.FLOAT32));
            layer.adapterWeights().get("dcft_C").parameter().set(toArray(m, c, DataType.FLOAT32));
            try (NDManager step = m.newSubManager()) {
                float[] got = layer.forward(toArray(step, x, DataType.FLOAT32)).toFloatArray();
                assertClose(want, got, "factorised forward");
                // The materialising path (merge, benchmark baseline) against the same definition.
                float[] dGot = DcftKernels.materialize(step, layer.a(), layer.b(), layer.adapterWeights().get("dcft_C").value(),
                        layer.geometry()).toFloatArray();
                assertClose(dm, dGot, "materialised D");
                layer.merge();
                float[] merged = layer.forward(toArray(step, x, DataType.FLOAT32)).toFloatArray();
                assertClose(want, merged, "merged forward");
            }
        }
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static void assertClose(double[][] want, float[] got, String what) {
        double max = 0;
        double err = 0;
        int cols = want[0].length;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs(want[i][j]));
                err = Math.max(err, Math.abs(want[i][j] - got[i * cols + j]));
            }
        }
        assertTrue(err <= 1e-5 * Math.max(max, 1e-30), what + ": relative error " + err / max);
    }
}
