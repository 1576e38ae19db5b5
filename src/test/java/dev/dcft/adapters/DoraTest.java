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
