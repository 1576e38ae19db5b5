package dev.dcft.model.deberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.io.HfModelDirectory;
import dev.dcft.io.HostTensor;
import dev.dcft.io.pytorch.PytorchBinReader;
import dev.dcft.model.ConfigFiles;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TokenBatch;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.TinyDeberta;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeBERTa-v2/v3 against {@link NaiveDeberta} (loops written from Hugging Face's definition) for
 * the v3 style, the v2 style and the ConvLayer; padding invariance; pytorch_model.bin written by
 * torch.save against its safetensors copy; DCFT and LoRA merged on DeBERTa.
 */
class DebertaV2DefinitionTest {
    static final double TOLERANCE = 1e-5;

    @TempDir
    Path tmp;

    /** Two rows, 12 and 7 real tokens: positions beyond the bucket midpoint and past max_relative_positions. */
    static TokenBatch batch() {
        long[][] ids = {{101, 2023, 2003, 1037, 3231, 1997, 1996, 12046, 3793, 2007, 2019, 102},
            {101, 7592, 2088, 999, 2009, 2015, 102}};
        long[][] types = {{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 1, 1, 1}};
        return TokenBatch.pad(ids, types, 0);
    }

    static float[][][] production(LoadedModel m, TokenBatch batch) {
        m.model().setTraining(false);
        int h = m.model().config().hiddenSize;
        try (NDManager step = m.manager().newSubManager()) {
            float[] flat = m.model().forward(EncoderInput.of(step, batch, m.model().config())).toFloatArray();
            float[][][] out = new float[batch.size()][batch.length()][h];
            for (int b = 0; b < batch.size(); b++) {
                for (int t = 0; t < batch.length(); t++) {
                    System.arraycopy(flat, (b * batch.length() + t) * h, out[b][t], 0, h);
                }
            }
            return out;
        }
    }

    static double[][][] naive(Map<String, HostTensor> w, JsonNode config, TokenBatch batch) {
        int[][] mask = new int[batch.size()][batch.length()];
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                mask[b][t] = (int) batch.mask()[b][t];
            }
        }
        return new NaiveDeberta(w, config).forward(batch.ids(), batch.typeIds(), mask);
    }

    /** Largest |difference| over real tokens. */
    static double maxDiff(float[][][] got, double[][][] want, TokenBatch batch) {
        double worst = 0;
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                if (batch.mask()[b][t] == 0) {
                    continue;
                }
                for (int d = 0; d < got[b][t].length; d++) {
                    worst = Math.max(worst, Math.abs(got[b][t][d] - want[b][t][d]));
                }
            }
        }
        return worst;
    }

    private void checkAgainstNaive(ObjectNode config, String label) throws IOException {
        Map<String, HostTensor> w = TinyDeberta.randomWeights(config, 17);
        Path dir = tmp.resolve(label);
        TinyDeberta.write(dir, config, w);
        try (LoadedModel m = ModelLoader.load(dir.toString())) {
            TokenBatch batch = batch();
            double diff = maxDiff(production(m, batch), naive(w, config, batch), batch);
            System.out.printf("DeBERTa %s vs naive loops: max |diff| %.3g%n", label, diff);
            assertTrue(diff <= TOLERANCE, label + ": " + diff);
        }
    }

    @Test
    void v3StyleMatchesTheDefinition() throws IOException {
        checkAgainstNaive(TinyDeberta.v3(), "v3");
    }

    @Test
    void v2StyleMatchesTheDefinition() throws IOException {
        checkAgainstNaive(TinyDeberta.v2(), "v2");
    }

    @Test
    void convLayerAndEmbedProjectionMatchTheDefinition() throws IOException {
        checkAgainstNaive(TinyDeberta.conv(), "conv");
    }

    @Test
    void bucketsFollowTheLogScaleAndAreSymmetric() {
        // mid = 4: distances inside (-4, 4) are kept, beyond it they grow logarithmically up to the span.
        assertEquals(3, RelativePositions.bucket(3, 8, 64));
        assertEquals(-4, RelativePositions.bucket(-4, 8, 64));
        for (int r = -60; r <= 60; r++) {
            assertEquals(NaiveDeberta.bucket(r, 8, 64), RelativePositions.bucket(r, 8, 64), "rel " + r);
            assertEquals(-RelativePositions.bucket(r, 8, 64), RelativePositions.bucket(-r, 8, 64), "odd symmetry at " + r);
            assertTrue(Math.abs(RelativePositions.bucket(r, 8, 64)) <= 8);
        }
        for (int r = -600; r <= 600; r++) {
            assertEquals(NaiveDeberta.bucket(r, 256, 512), RelativePositions.bucket(r, 256, 512), "v3-base buckets, rel " + r);
        }
    }

    @Test
    void paddingDoesNotChangeRealTokens() throws IOException {
        for (ObjectNode config : List.of(TinyDeberta.v3(), TinyDeberta.conv())) {
            Path dir = tmp.resolve("pad" + System.nanoTime());
            TinyDeberta.write(dir, config, TinyDeberta.randomWeights(config, 5));
            try (LoadedModel m = ModelLoader.load(dir.toString())) {
                TokenBatch both = batch();
                TokenBatch alone = TokenBatch.pad(new long[][] {java.util.Arrays.copyOf(both.ids()[1], 7)},
                        new long[][] {java.util.Arrays.copyOf(both.typeIds()[1], 7)}, 0);
                float[][][] padded = production(m, both);
                float[][][] single = production(m, alone);
                double worst = 0;
                for (int t = 0; t < 7; t++) {
                    for (int d = 0; d < padded[1][t].length; d++) {
                        worst = Math.max(worst, Math.abs(padded[1][t][d] - single[0][t][d]));
                    }
                }
                assertTrue(worst <= TOLERANCE, "padded vs alone " + worst);
            }
        }
    }

    private Path fixtureDir() throws IOException {
        Path dir = tmp.resolve("deberta-tiny");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "pytorch_model.bin", "vocab.txt", "tokenizer_config.json")) {
            try (InputStream in = getClass().getResourceAsStream("/fixtures/deberta-tiny/" + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        return dir;
    }

    @Test
    void pytorchBinAndSafetensorsGiveTheSameModel() throws IOException {
        Path bin = fixtureDir();
        JsonNode config = ConfigFiles.readObject(bin.resolve("config.json"));
        Map<String, HostTensor> torchSaved = PytorchBinReader.read(bin.resolve("pytorch_model.bin"));
        Map<String, HostTensor> base = new LinkedHashMap<>();
        torchSaved.forEach((k, v) -> base.put(k.startsWith("deberta.") ? k.substring(8) : k, v));
        Path st = tmp.resolve("st");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("vocab.txt", Files.readAllBytes(bin.resolve("vocab.txt")));
        HfModelDirectory.write(st, (ObjectNode) config, torchSaved, files);
        long[][] ids = {{2, 60, 5, 61, 6, 62, 63, 10, 11, 3}};
        TokenBatch batch = TokenBatch.pad(ids, new long[1][10], 0);
        try (LoadedModel fromBin = ModelLoader.load(bin.toString()); LoadedModel fromSt = ModelLoader.load(st.toString())) {
            float[][][] a = production(fromBin, batch);
            float[][][] b = production(fromSt, batch);
            for (int t = 0; t < 10; t++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(a[0][t], b[0][t], 0f, "token " + t);
            }
            double diff = maxDiff(a, naive(base, config, batch), batch);
            assertTrue(diff <= TOLERANCE, "torch-saved weights vs naive loops: " + diff);
            assertEquals(List.of(2L, 78L, 5L, 3L), java.util.Arrays.stream(fromBin.tokenizer().encode(List.of("movie a")).ids()[0])
                    .boxed().toList(), "vocab.txt of the fixture tokenises with its WordPiece vocabulary");
        }
    }

    @Test
    void dcftAndLoraMergeExactlyOnDeberta() throws IOException {
        ObjectNode config = TinyDeberta.v3();
        Path dir = tmp.resolve("merge");
        TinyDeberta.write(dir, config, TinyDeberta.randomWeights(config, 23));
        TargetModules six = TargetModules.names(dev.dcft.model.deberta.DebertaV2Architecture.TARGET_MODULES);
        for (AdapterSpec spec : List.of(AdapterSpec.of(new DcftConfig(4, 4, 1, 4, DcftConfig.Init.GAUSSIAN, 0, six)),
                AdapterSpec.of(new DcftConfig(4, 2, 2, 4, DcftConfig.Init.GAUSSIAN, 0, six)),
                AdapterSpec.of(new LoraConfig(4, 8, 0, six)))) {
            try (LoadedModel m = ModelLoader.load(dir.toString())) {
                TokenBatch batch = batch();
                float[][][] before = production(m, batch);
                List<String> injected = Adapters.apply(m.model(), spec, m.manager(), 3);
                assertEquals(12, injected.size(), "six matrices x two layers: " + injected);
                assertTrue(injected.contains("encoder.layer.0.attention.self.query_proj"));
                AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 9, 0.1);
                float[][][] unmerged = production(m, batch);
                Adapters.mergeAll(m.model());
                float[][][] merged = production(m, batch);
                double effect = 0;
                double diff = 0;
                for (int b = 0; b < 2; b++) {
                    for (int t = 0; t < batch.length(); t++) {
                        if (batch.mask()[b][t] == 0) {
                            continue;
                        }
                        for (int d = 0; d < 16; d++) {
                            effect = Math.max(effect, Math.abs(unmerged[b][t][d] - before[b][t][d]));
                            diff = Math.max(diff, Math.abs(unmerged[b][t][d] - merged[b][t][d]));
                        }
                    }
                }
                System.out.printf("DeBERTa merge %s: adapter moves outputs by %.3g, merged vs unmerged %.3g%n",
                        spec.methodName(), effect, diff);
                assertTrue(effect > 1e-2, "the adapter changes the output: " + effect);
                assertTrue(diff <= TOLERANCE, "merged vs unmerged " + diff);
            }
        }
    }
}
