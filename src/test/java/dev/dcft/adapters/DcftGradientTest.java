package dev.dcft.adapters;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.dcft.DcftLinear;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Linear;
import dev.dcft.testing.FiniteDifferences;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Autograd through the factorised layer (float64) against central finite differences of the naive
 * definition, for every entry of A, B, C and of the (3-D, batch x tokens) input.
 */
class DcftGradientTest {
    @ParameterizedTest(name = "d={0} t={1} r={2}")
    @CsvSource({"2,2,1", "3,1,2", "4,2,2", "4,4,1", "2,1,3"})
    void gradientsMatchFiniteDifferences(int d, int t, int r) {
        SplittableRandom rng = new SplittableRandom(77 + d * 10 + t);
        int in = 3 * t + d;
        int out = 2 * t + d;
        int nIn = (in - d) / t + 1;
        int nOut = (out - d) / t + 1;
        double[][] x = DcftDefinitionTest.random(rng, 4, in, 1);
        double[][] w0 = DcftDefinitionTest.random(rng, out, in, 0.5);
        double[] bias = DcftDefinitionTest.random(rng, 1, out, 0.5)[0];
        double[][] probe = DcftDefinitionTest.random(rng, 4, out, 1); // loss = sum(y * probe)
        double[][] a = DcftDefinitionTest.random(rng, r, nIn, 1);
        double[][] b = DcftDefinitionTest.random(rng, nOut, r, 1);
        double[][] c = DcftDefinitionTest.random(rng, d, d, 1);
        double s = 1.3;

        double[][] grads = new double[3][];
        double[] xGrad;
        try (NDManager m = Engines.newManager()) {
            Linear base = new Linear(m, in, out, true);
            base.weight().set(DcftDefinitionTest.toArray(m, w0, DataType.FLOAT64));
            base.bias().set(m.create(bias));
            DcftConfig config = new DcftConfig(d, t, r, s * r, DcftConfig.Init.GAUSSIAN, 0, TargetModules.names(List.of("x")));
            DcftLinear layer = new DcftLinear(m, "test", base, config, new SplittableRandom(1));
            String[] names = {"dcft_A", "dcft_B", "dcft_C"};
            double[][][] values = {a, b, c};
            for (int i = 0; i < 3; i++) {
                NDArray v = DcftDefinitionTest.toArray(m, values[i], DataType.FLOAT64);
                v.setRequiresGradient(true);
                layer.adapterWeights().get(names[i]).parameter().set(v);
            }
            try (NDManager step = m.newSubManager();
                    GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray xs = DcftDefinitionTest.toArray(step, x, DataType.FLOAT64).reshape(2, 2, in);
                xs.setRequiresGradient(true);
                NDArray y = layer.forward(xs).reshape(4, out);
                NDArray loss = y.mul(DcftDefinitionTest.toArray(step, probe, DataType.FLOAT64)).sum();
                gc.backward(loss);
                for (int i = 0; i < 3; i++) {
                    grads[i] = layer.adapterWeights().get(names[i]).value().getGradient().toDoubleArray();
                }
                xGrad = xs.getGradient().toDoubleArray();
            }
        }
        DoubleSupplier loss = () -> loss(x, w0, bias, probe, a, b, c, t, s);
        FiniteDifferences.check("x", x, xGrad, loss);
        FiniteDifferences.check("A", a, grads[0], loss);
        FiniteDifferences.check("B", b, grads[1], loss);
        FiniteDifferences.check("C", c, grads[2], loss);
    }

    private static double loss(double[][] x, double[][] w0, double[] bias, double[][] probe, double[][] a, double[][] b,
            double[][] c, int t, double s) {
        double[][] y = NaiveDcft.forward(x, w0, bias, NaiveDcft.deconvolution(a, b, c, t, w0[0].length, w0.length), s);
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            for (int j = 0; j < y[0].length; j++) {
                l += y[i][j] * probe[i][j];
            }
        }
        return l;
    }
}
