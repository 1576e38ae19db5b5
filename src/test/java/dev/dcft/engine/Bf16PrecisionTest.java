package dev.dcft.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Parameter;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --precision bf16}: the casts against bfloat16's definition, a tiny encoder's forward pass
 * and its adapter gradients against float32 (finite differences for the gradients), and adapters
 * moving between precisions.
 *
 * <p>The stated bound: bfloat16 keeps 8 significant bits, so each rounding is off by at most
 * 2^-9 (0.2%) relative. The error of the encoder's output is the sum of many such roundings that
 * LayerNorm keeps from growing; we allow 2^-5 (3.1%) of the output's norm, and the same relative
 * error on an adapter gradient (measured: 0.15% on the forward pass, 0.3% to 1.9% on the gradients,
 * where the float32 finite differences themselves carry part of it; printed by each test).
 */
class Bf16PrecisionTest {
    private static final double BOUND = 1.0 / 32;

    @TempDir
    Path tmp;

    @BeforeAll
    static void engine() {
        Engines.configure(2);
    }

    /** bfloat16 by definition: the upper 16 bits of a float32, rounded to nearest, ties to even. */
    static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int lsb = (bits >>> 16) & 1;
        return Float.intBitsToFloat((bits + 0x7FFF + lsb) & 0xFFFF0000);
    }

    @Test
    void castsRoundToNearestEvenAndWidenExactly() {
        float[] v = {1f, -2.5f, 3.14159265f, 1e-3f, -65504f, 1 + 1f / 256, 1 + 3f / 256, 1 + 1f / 512, 123456.789f, 0f, -0f};
        SplittableRandom rng = new SplittableRandom(1);
        float[] all = new float[v.length + 200];
        System.arraycopy(v, 0, all, 0, v.length);
        for (int i = v.length; i < all.length; i++) {
            all[i] = (float) ((rng.nextDouble() - 0.5) * Math.pow(10, rng.nextInt(-6, 7)));
        }
        try (NDManager m = Engines.newManager()) {
            NDArray b = Bf16.toBf16(m.create(all));
            assertTrue(Bf16.isBf16(b));
            float[] back = Bf16.toFp32(b).toFloatArray();
            for (int i = 0; i < all.length; i++) {
                assertEquals(bf16(all[i]), back[i], 0f, "bf16(" + all[i] + ")");
            }
        }
    }

    private static TokenBatch batch(int b, int t) {
        SplittableRandom rng = new SplittableRandom(9);
        long[][] ids = new long[b][t];
        long[][] types = new long[b][t];
        long[][] mask = new long[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i][j] = j == 0 ? 101 : 1000 + rng.nextInt(20000);
                mask[i][j] = j < t - i ? 1 : 0; // some padding
            }
        }
        return new TokenBatch(ids, types, mask);
    }

    private static LoadedModel tiny(Precision p) {
        return ModelLoader.withPrecision(ModelLoader.random(2, 64, 128, 4, 5), p);
    }

    private static double relativeError(float[] got, float[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (got[i] - want[i]) * (double) (got[i] - want[i]);
            den += want[i] * (double) want[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void tinyEncoderForwardInBf16StaysWithinTheBound() {
        Engines.gradientsOff();
        try (LoadedModel f = tiny(Precision.FP32); LoadedModel b = tiny(Precision.BF16)) {
            long bf16Numbers = 0;
            long linearNumbers = 0;
            for (var e : b.model().namedModules().entrySet()) {
                for (Parameter p : e.getValue().ownParameters().values()) {
                    if (Bf16.isBf16(p.value())) {
                        bf16Numbers += p.numel();
                    }
                    if (e.getValue() instanceof Linear || e.getValue() instanceof dev.dcft.model.nn.Embedding) {
                        linearNumbers += e.getKey().startsWith("pooler") ? 0 : p.numel();
                    }
                }
            }
            assertEquals(linearNumbers, bf16Numbers, "every frozen linear and embedding tensor is stored in bf16, nothing else");
            TokenBatch batch = batch(3, 12);
            float[] want;
            float[] got;
            try (NDManager s = f.manager().newSubManager()) {
                f.model().setTraining(false);
                want = f.model().forward(EncoderInput.of(s, batch, f.model().config())).toFloatArray();
            }
            try (NDManager s = b.manager().newSubManager()) {
                b.model().setTraining(false);
                NDArray out = b.model().forward(EncoderInput.of(s, batch, b.model().config()));
                assertTrue(!Bf16.isBf16(out), "activations come back float32");
                got = out.toFloatArray();
            }
            double err = relativeError(got, want);
            System.out.printf("bf16 forward: relative error %.5f (bound %.5f)%n", err, BOUND);
            assertTrue(err > 0, "bf16 must actually round something");
            assertTrue(err <= BOUND, "relative error " + err);
        }
    }

    /** Sum of the encoder output times a fixed probe: a scalar depending on every adapter number. */
    private static double loss(LoadedModel m, TokenBatch batch, float[] probe, boolean backward) {
        try (NDManager s = m.manager().newSubManager()) {
            if (!backward) {
                // Summed in float64 on the host: the finite differences need every digit of the loss.
                NDArray out = m.model().forward(EncoderInput.of(s, batch, m.model().config()));
                float[] o = out.toFloatArray();
                double sum = 0;
                for (int i = 0; i < o.length; i++) {
                    sum += o[i] * (double) probe[i];
                }
                return sum;
            }
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray l = probed(m, s, batch, probe);
                gc.backward(l);
                return l.getFloat();
            }
        }
    }

    private static NDArray probed(LoadedModel m, NDManager s, TokenBatch batch, float[] probe) {
        NDArray out = m.model().forward(EncoderInput.of(s, batch, m.model().config()));
        return out.mul(s.create(probe, out.getShape())).sum();
    }

    /** DCFT and LoRA compute their increments in bf16 on a bf16 base (AdapterLinear.incrementBf16): both are checked. */
    static java.util.stream.Stream<AdapterSpec> adapterSpecs() {
        TargetModules two = TargetModules.names(List.of("encoder.layer.0.attention.self.query", "encoder.layer.1.output.dense"));
        return java.util.stream.Stream.of(AdapterSpec.of(new DcftConfig(4, 4, 1, 8, DcftConfig.Init.GAUSSIAN, 0, two)),
                AdapterSpec.of(new dev.dcft.adapters.lora.LoraConfig(2, 4, 0, two)));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("adapterSpecs")
    void adapterGradientsInBf16MatchFloat32FiniteDifferences(AdapterSpec spec) {
        Engines.gradientsOff();
        TokenBatch batch = batch(2, 10);
        try (LoadedModel f = tiny(Precision.FP32); LoadedModel b = tiny(Precision.BF16)) {
            Adapters.apply(f.model(), spec, f.manager(), 11);
            Adapters.apply(b.model(), spec, b.manager(), 11);
            f.model().setTraining(false);
            b.model().setTraining(false);
            SplittableRandom rng = new SplittableRandom(4);
            float[] probe = new float[2 * 10 * 64];
            for (int i = 0; i < probe.length; i++) {
                probe[i] = (float) (rng.nextDouble() - 0.5);
            }
            Map<String, Parameter> fp = adapterParams(f);
            Map<String, Parameter> bp = adapterParams(b);
            // Adapter numbers large enough that their gradients stand well above float32 finite-difference noise.
            for (Map.Entry<String, Parameter> e : fp.entrySet()) {
                Shape shape = e.getValue().value().getShape();
                float[] v = new float[(int) shape.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((rng.nextDouble() - 0.5) * 0.6);
                }
                e.getValue().set(f.manager().create(v, shape));
                bp.get(e.getKey()).set(b.manager().create(v, shape));
            }
            bp.values().forEach(p -> p.value().setRequiresGradient(true));
            loss(b, batch, probe, true);
            for (Map.Entry<String, Parameter> e : fp.entrySet()) {
                float[] g = bp.get(e.getKey()).value().getGradient().toFloatArray();
                Parameter p = e.getValue();
                Shape shape = p.value().getShape();
                float[] base = p.value().toFloatArray();
                float[] numeric = new float[base.length];
                double h = 1e-2;
                for (int i = 0; i < base.length; i++) {
                    float[] v = base.clone();
                    v[i] = (float) (base[i] + h);
                    p.set(f.manager().create(v, shape));
                    double plus = loss(f, batch, probe, false);
                    v[i] = (float) (base[i] - h);
                    p.set(f.manager().create(v, shape));
                    double minus = loss(f, batch, probe, false);
                    numeric[i] = (float) ((plus - minus) / (2 * h));
                }
                p.set(f.manager().create(base, shape));
                double err = relativeError(g, numeric);
                System.out.printf("bf16 gradient of %s: relative error %.5f vs float32 finite differences%n", e.getKey(), err);
                assertTrue(err <= BOUND, e.getKey() + ": relative error " + err);
            }
        }
    }

    /** Two adapted layers: DCFT's A, B, C or LoRA's A, B in each. */
    private static int k(LoadedModel m) {
        return m.model().namedParameters().keySet().stream().anyMatch(n -> n.contains(".dcft_")) ? 6 : 4;
    }

    private static Map<String, Parameter> adapterParams(LoadedModel m) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        m.model().namedParameters().forEach((k, p) -> {
            if (k.contains(".dcft_") || k.contains(".lora_")) {
                out.put(k, p);
            }
        });
        assertEquals(k(m), out.size(), out.keySet().toString());
        return out;
    }

    private Path sentimentCsv() throws Exception {
        String[] good = {"a wonderful film", "great acting and a fine story", "i loved it", "superb and moving", "truly excellent"};
        String[] bad = {"a dull film", "terrible acting and a weak story", "i hated it", "boring and slow", "truly awful"};
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < 60; i++) {
            sb.append(i % 2 == 0 ? good[i / 2 % 5] : bad[i / 2 % 5]).append(',').append(i % 2 == 0 ? "pos" : "neg").append('\n');
        }
        Path csv = tmp.resolve("sentiment.csv");
        Files.writeString(csv, sb.toString());
        return csv;
    }

    private List<Double> predictScores(Path run, Path input, String precision) throws Exception {
        Path out = tmp.resolve(run.getFileName() + "-" + precision + ".csv");
        CliRunner.Result p = CliRunner.run("predict", "--run", run.toString(), "--input", input.toString(), "--precision", precision,
                "--output", out.toString());
        assertEquals(0, p.code(), p.err());
        List<String> lines = Files.readAllLines(out);
        int col = List.of(lines.get(0).split(",")).indexOf("score");
        List<Double> scores = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            scores.add(Double.parseDouble(l.split(",")[col]));
        }
        return scores;
    }

    @Test
    void adaptersMoveBetweenPrecisions() throws Exception {
        Path model = tmp.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 21);
        Path csv = sentimentCsv();
        for (String trainedIn : List.of("bf16", "fp32")) {
            Path run = tmp.resolve("run-" + trainedIn);
            CliRunner.Result r = CliRunner.run("train", "--model", model.toString(), "--train", csv.toString(), "--method", "dcft",
                    "--kernel", "4", "--max-steps", "6", "--batch", "8", "--lr", "1e-2", "--threads", "2", "--precision", trainedIn,
                    "--out", run.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            List<Double> fp32 = predictScores(run, csv, "fp32");
            List<Double> bf16 = predictScores(run, csv, "bf16");
            assertEquals(fp32.size(), bf16.size());
            double worst = 0;
            for (int i = 0; i < fp32.size(); i++) {
                worst = Math.max(worst, Math.abs(fp32.get(i) - bf16.get(i)));
            }
            System.out.printf("trained in %s: largest score difference fp32 vs bf16 prediction %.6f (scores %s...)%n", trainedIn, worst,
                    fp32.subList(0, 4));
            assertTrue(worst <= 0.02, "trained in " + trainedIn + ": scores differ by " + worst);
        }
    }

    @Test
    void fullFineTuningInBf16IsRefused() {
        CliRunner.Result r = CliRunner.run("train", "--task", "sst2", "--method", "full", "--precision", "bf16", "--max-steps", "1",
                "--data", SharedData.root().toString(), "--train-limit", "50", "--out", tmp.resolve("full").toString());
        CliRunner.assertOneLineError(r, "full fine-tuning", "--precision fp32");
    }

    @Test
    void autoSaysWhatItPicked() {
        Precision.Choice c = Precision.AUTO.resolve();
        boolean nativeBf16 = !Precision.nativeBf16Flags().isEmpty();
        assertEquals(nativeBf16 ? Precision.BF16 : Precision.FP32, c.precision());
        assertTrue(c.reason().startsWith("auto: "), c.reason());
    }
}
