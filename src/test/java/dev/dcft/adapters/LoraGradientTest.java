package dev.dcft.adapters;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.adapters.lora.LoraLinear;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Linear;
import dev.dcft.testing.FiniteDifferences;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Autograd through the LoRA layer (float64) against central finite differences of
 * {@code y = x W^T + b + s (x A^T) B^T} written as loops, for every entry of A, B and of the input.
 */
class LoraGradientTest {
    @ParameterizedTest(name = "r={0}")
    @ValueSource(ints = {1, 3})
    void gradientsMatchFiniteDifferences(int r) {
        SplittableRandom rng = new SplittableRandom(91 + r);
        int in = 5;
        int out = 7;
        double s = 0.7;
        double[][] x = DcftDefinitionTest.random(rng, 4, in, 1);
        double[][] w0 = DcftDefinitionTest.random(rng, out, in, 0.5);
        double[] bias = DcftDefinitionTest.random(rng, 1, out, 0.5)[0];
        double[][] probe = DcftDefinitionTest.random(rng, 4, out, 1);
        double[][] a = DcftDefinitionTest.random(rng, r, in, 1);
        double[][] b = DcftDefinitionTest.random(rng, out, r, 1);

        double[] gA;
        double[] gB;
        double[] gX;
        try (NDManager m = Engines.newManager()) {
            Linear base = new Linear(m, in, out, true);
            base.weight().set(DcftDefinitionTest.toArray(m, w0, DataType.FLOAT64));
            base.bias().set(m.create(bias));
            LoraLinear layer = new LoraLinear(m, base, new LoraConfig(r, s * r, 0, TargetModules.names(List.of("x"))),
                    new SplittableRandom(1));
            NDArray av = DcftDefinitionTest.toArray(m, a, DataType.FLOAT64);
            NDArray bv = DcftDefinitionTest.toArray(m, b, DataType.FLOAT64);
            av.setRequiresGradient(true);
            bv.setRequiresGradient(true);
            layer.adapterWeights().get("lora_A").parameter().set(av);
            layer.adapterWeights().get("lora_B").parameter().set(bv);
            try (NDManager step = m.newSubManager();
                    GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray xs = DcftDefinitionTest.toArray(step, x, DataType.FLOAT64).reshape(2, 2, in);
                xs.setRequiresGradient(true);
                NDArray y = layer.forward(xs).reshape(4, out);
                gc.backward(y.mul(DcftDefinitionTest.toArray(step, probe, DataType.FLOAT64)).sum());
                gA = layer.adapterWeights().get("lora_A").value().getGradient().toDoubleArray();
                gB = layer.adapterWeights().get("lora_B").value().getGradient().toDoubleArray();
                gX = xs.getGradient().toDoubleArray();
            }
        }
        DoubleSupplier loss = () -> loss(x, w0, bias, probe, a, b, s);
        FiniteDifferences.check("A", a, gA, loss);
        FiniteDifferences.check("B", b, gB, loss);
        FiniteDifferences.check("x", x, gX, loss);
    }

    private static double loss(double[][] x, double[][] w0, double[] bias, double[][] probe, double[][] a, double[][] b, double s) {
        double l = 0;
        for (int n = 0; n < x.length; n++) {
            for (int j = 0; j < w0.length; j++) {
                double y = bias[j];
                for (int i = 0; i < x[0].length; i++) {
                    double delta = 0;
                    for (int k = 0; k < a.length; k++) {
                        delta += b[j][k] * a[k][i];
                    }
                    y += x[n][i] * (w0[j][i] + s * delta);
                }
                l += y * probe[n][j];
            }
        }
        return l;
    }
}
