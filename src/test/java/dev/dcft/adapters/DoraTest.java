package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.dora.DoraNorm;
import dev.dcft.engine.Engines;
import dev.dcft.testing.CliRunner;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DoRA beyond the conformance battery: the row norms it divides by, computed without building
 * {@code W0 + s B A}, against that matrix built and reduced in float64; and {@code dcft params}' counts
 * on DeBERTaV3-base's shapes against the formula {@code r (in + out) + out} per adapted matrix.
 * (PEFT's own DoRA files load in ours and give PEFT's outputs: LoraOptionsTest's "dora" rows.)
 */
class DoraTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    @ParameterizedTest(name = "{0}x{1} r={2}")
    @CsvSource({"24, 40, 1", "40, 24, 3", "64, 16, 8", "16, 16, 4"})
    void fastRowNormsEqualTheNormsOfTheBuiltMatrix(int in, int out, int r) {
        SplittableRandom rng = new SplittableRandom(in * 31 + out * 7 + r);
        double s = 1.7;
        double[][] w0 = DcftDefinitionTest.random(rng, out, in, 0.5);
        double[][] a = DcftDefinitionTest.random(rng, r, in, 0.5);
        double[][] b = DcftDefinitionTest.random(rng, out, r, 0.5);
        float[] fast;
        try (NDManager m = Engines.newManager()) {
            NDArray w = DcftDefinitionTest.toArray(m, w0, DataType.FLOAT32);
            fast = DoraNorm.rowNorms(m, w, DoraNorm.baseRowNormsSquared(w), DcftDefinitionTest.toArray(m, a, DataType.FLOAT32),
                    DcftDefinitionTest.toArray(m, b, DataType.FLOAT32), s).toFloatArray();
        }
        for (int o = 0; o < out; o++) {
            double sq = 0;
            for (int i = 0; i < in; i++) {
                double v = w0[o][i];
                for (int k = 0; k < r; k++) {
                    v += s * b[o][k] * a[k][i];
                }
                sq += v * v;
            }
            double naive = Math.sqrt(sq);
            assertTrue(Math.abs(fast[o] - naive) <= 1e-6 * naive, "row " + o + ": " + fast[o] + " vs " + naive);
        }
    }

    /**
     * Near its initial state (magnitude at the base's row norms, so g = m / ||W0 + s B A|| is close to 1) the layer
     * takes its fused path (the bias inside the product, divided by g): output and gradients of A, B, m and the input
     * against central finite differences of the float64 definition (the norm a constant), with a bias, non-square.
     */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"16, 32", "32, 16"})
    void fusedPathNearTheStartMatchesTheDefinition(int in, int out) {
        SplittableRandom rng = new SplittableRandom(in * 7 + out);
        int r = 3;
        double s = 2.0 / r;
        double[][] x = DcftDefinitionTest.random(rng, 4, in, 1);
        double[][] w0 = DcftDefinitionTest.random(rng, out, in, 0.5);
        double[] bias = DcftDefinitionTest.random(rng, 1, out, 0.5)[0];
        double[][] probe = DcftDefinitionTest.random(rng, 4, out, 1);
        double[][] a = DcftDefinitionTest.random(rng, r, in, 0.3);
        double[][] b = DcftDefinitionTest.random(rng, out, r, 0.05);
        double[][] m = new double[out][1];
        for (int o = 0; o < out; o++) {
            double sq = 0;
            for (int i = 0; i < in; i++) {
                sq += w0[o][i] * w0[o][i];
            }
            m[o][0] = Math.sqrt(sq) * (1 + 0.1 * (rng.nextDouble() - 0.5)); // g within 5% of 1
        }
        java.util.Map<String, double[][]> t = new java.util.LinkedHashMap<>();
        t.put("lora_A", a);
        t.put("lora_B", b);
        t.put("lora_magnitude_vector", m);
        java.util.Map<String, double[]> grads = new java.util.LinkedHashMap<>();
        double[] gX;
        double[] y;
        MethodConfig config = AdapterMethods.forName("lora", MethodOptions.empty().with("dora", true))
                .configure(MethodOptions.of(java.util.Map.of("dora", true, "rank", r, "alpha", 2)), TargetModules.names(java.util.List.of("x")));
        try (NDManager mgr = Engines.newManager()) {
            dev.dcft.model.nn.Linear base = new dev.dcft.model.nn.Linear(mgr, in, out, true);
            base.weight().set(DcftDefinitionTest.toArray(mgr, w0, DataType.FLOAT64));
            base.bias().set(mgr.create(bias));
            AdapterLayer layer = config.wrap(mgr, "x", base, new SplittableRandom(1));
            for (var e : layer.adapterWeights().entrySet()) {
                NDArray v = DcftDefinitionTest.toArray(mgr, t.get(e.getKey()), DataType.FLOAT64).reshape(e.getValue().value().getShape());
                v.setRequiresGradient(true);
                e.getValue().parameter().set(v);
            }
            try (NDManager step = mgr.newSubManager();
                    ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray xs = DcftDefinitionTest.toArray(step, x, DataType.FLOAT64);
                xs.setRequiresGradient(true);
                NDArray out2 = layer.forward(xs);
                y = out2.toDoubleArray();
                gc.backward(out2.mul(DcftDefinitionTest.toArray(step, probe, DataType.FLOAT64)).sum());
                for (var e : layer.adapterWeights().entrySet()) {
                    grads.put(e.getKey(), e.getValue().value().getGradient().toDoubleArray());
                }
                gX = xs.getGradient().toDoubleArray();
            }
        }
        java.util.Map<String, double[][]> frozen = new java.util.LinkedHashMap<>();
        t.forEach((k, v) -> frozen.put(k, java.util.Arrays.stream(v).map(double[]::clone).toArray(double[][]::new)));
        java.util.function.Function<Boolean, double[][]> forward = unused -> {
            double[][] w = NaiveIncrements.effectiveWeight(config, "x", t, frozen, w0);
            double[][] out3 = new double[x.length][out];
            for (int n = 0; n < x.length; n++) {
                for (int j = 0; j < out; j++) {
                    double v = bias[j];
                    for (int i = 0; i < in; i++) {
                        v += x[n][i] * w[j][i];
                    }
                    out3[n][j] = v;
                }
            }
            return out3;
        };
        double[][] want = forward.apply(true);
        for (int n = 0; n < x.length; n++) {
            for (int j = 0; j < out; j++) {
                assertEquals(want[n][j], y[n * out + j], 1e-7 * Math.max(1, Math.abs(want[n][j])), "y[" + n + "," + j + "]");
            }
        }
        java.util.function.DoubleSupplier loss = () -> {
            double[][] o3 = forward.apply(true);
            double l = 0;
            for (int n = 0; n < x.length; n++) {
                for (int j = 0; j < out; j++) {
                    l += o3[n][j] * probe[n][j];
                }
            }
            return l;
        };
        grads.forEach((k, g) -> dev.dcft.testing.FiniteDifferences.check(k, t.get(k), g, loss));
        dev.dcft.testing.FiniteDifferences.check("x", x, gX, loss);
    }

    @ParameterizedTest(name = "r={0}")
    @CsvSource({"1, 248832", "8, 1410048"})
    void paramsCountsDoraOnDebertaV3Base(int r, long expected) throws Exception {
        // Per layer: q, k, v, attention.output 768 -> 768, intermediate 768 -> 3072, output 3072 -> 768.
        long perLayer = 4L * (r * (768 + 768) + 768) + (r * (768 + 3072) + 3072) + (r * (3072 + 768) + 768);
        assertEquals(expected, 12 * perLayer, "the formula");
        java.nio.file.Path config = tmp.resolve("deberta-v3-base.json");
        java.nio.file.Files.writeString(config, "{\"model_type\": \"deberta-v2\", \"hidden_size\": 768, \"num_hidden_layers\": 12,"
                + " \"num_attention_heads\": 12, \"intermediate_size\": 3072, \"vocab_size\": 128100}");
        JsonNode j = ParamsCommandTest.params("--model", config.toString(), "--method", "lora", "--dora",
                "--rank", Integer.toString(r));
        assertEquals(expected, j.get("trainable").asLong());
        assertEquals("lora", j.get("method").asText());
        assertTrue(j.get("dora").asBoolean());
        CliRunner.Result bad = CliRunner.run("params", "--method", "dcft", "--dora");
        CliRunner.assertOneLineError(bad, "--dora");
    }
}
