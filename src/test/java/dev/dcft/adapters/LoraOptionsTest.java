package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.lora.LoraConfigJson;
import dev.dcft.engine.Precision;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TokenBatch;
import dev.dcft.testing.CliRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adapters written by Hugging Face PEFT 0.21 itself, one per LoraConfig option, on a tiny BERT and a
 * tiny DeBERTa-v2 ({@code scripts/fixtures/make_peft_fixtures.py}): our reader gives PEFT's
 * merge_and_unload outputs unmerged (what predict, eval, serve and the API run) and merged (what
 * {@code dcft merge} writes); options we cannot honour are refused by name; and every field of
 * PEFT's LoraConfig is classified.
 */
class LoraOptionsTest {
    static final Path ROOT = Path.of("src/test/resources/fixtures/peft");
    static final double TOLERANCE = 1e-4;
    static final ObjectMapper JSON = new ObjectMapper();
    /** Options the reader honours ("dora": PEFT's use_dora, read by the DoRA method). */
    static final List<String> HONOURED = List.of("plain", "regex", "rslora", "patterns", "layers", "layers_no_pattern", "layers_int",
            "exclude", "exclude_regex", "bias_all", "bias_lora_only", "lora_bias", "fan_in_fan_out", "modules_to_save",
            "init_gaussian_dropout", "dora");

    @TempDir
    Path tmp;

    static JsonNode expected() {
        try {
            return JSON.readTree(ROOT.resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> adapters() {
        List<Arguments> out = new ArrayList<>();
        for (String arch : List.of("bert", "deberta")) {
            for (String name : HONOURED) {
                out.add(Arguments.of(arch, name));
            }
        }
        // A Hub-style adapter of BertForSequenceClassification: keys under "bert.", a regex over PEFT's own keys, a classifier saved.
        out.add(Arguments.of("bert", "seq_cls"));
        return out.stream();
    }

    static TokenBatch batch(JsonNode e) {
        long[][] ids = new long[2][];
        for (int r = 0; r < 2; r++) {
            int n = 0;
            for (JsonNode m : e.get("mask").get(r)) {
                n += m.asInt();
            }
            ids[r] = new long[n];
            for (int t = 0; t < n; t++) {
                ids[r][t] = e.get("ids").get(r).get(t).asLong();
            }
        }
        return TokenBatch.pad(ids, new long[][] {new long[ids[0].length], new long[ids[1].length]}, 0);
    }

    /** Largest difference over real (unmasked) positions of the last hidden states, and of the pooler output where expected. */
    static double maxDiff(LoadedModel m, JsonNode e, JsonNode want) {
        TokenBatch b = batch(e);
        m.model().setTraining(false);
        try (NDManager scope = m.manager().newSubManager()) {
            NDArray h = m.model().forward(EncoderInput.of(scope, b, m.model().config()));
            float[] got = h.toFloatArray();
            int hidden = m.model().config().hiddenSize;
            int len = b.length();
            double worst = 0;
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t < len; t++) {
                    if (e.get("mask").get(r).get(t).asInt() == 0) {
                        continue;
                    }
                    for (int k = 0; k < hidden; k++) {
                        double w = want.get("hidden").get((r * len + t) * hidden + k).asDouble();
                        worst = Math.max(worst, Math.abs(got[(r * len + t) * hidden + k] - w));
                    }
                }
            }
            if (want.has("pooler")) {
                float[] pooled = m.model().pool(h).toFloatArray();
                for (int i = 0; i < pooled.length; i++) {
                    worst = Math.max(worst, Math.abs(pooled[i] - want.get("pooler").get(i).asDouble()));
                }
            }
            return worst;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("adapters")
    void peftAdapterUnmergedAndMergedEqualPeftsMerge(String arch, String name) {
        JsonNode e = expected();
        JsonNode want = e.get("models").get(arch).get("adapters").get(name);
        PeftAdapterFiles.LoadedAdapter a = PeftAdapterFiles.load(ROOT.resolve(arch + "-adapters").resolve(name));
        try (LoadedModel m = ModelLoader.load(ROOT.resolve(arch + "-tiny").toString(), Precision.FP32)) {
            double base = maxDiff(m, e, want);
            PeftAdapterFiles.attach(m.model(), a, m.manager());
            List<String> elsewhere = PeftAdapterFiles.replaceBaseTensors(m.model(), a, m.manager());
            assertEquals(name.equals("seq_cls") ? List.of("classifier.bias", "classifier.weight") : List.of(),
                    elsewhere.stream().sorted().toList(), "tensors with no place in a bare encoder");
            double unmerged = maxDiff(m, e, want);
            Adapters.mergeAndUnload(m.model());
            double merged = maxDiff(m, e, want);
            System.out.printf("%s %-22s |ours - PEFT merged|: unmerged %.2e, merged %.2e (base alone %.2f)%n", arch, name, unmerged, merged, base);
            assertTrue(base > 100 * TOLERANCE, "the adapter must change the model for the check to mean anything: " + base);
            assertTrue(unmerged < TOLERANCE, "unmerged differs from PEFT by " + unmerged);
            assertTrue(merged < TOLERANCE, "merged differs from PEFT by " + merged);
        }
    }

    /** {@code dcft merge} on a PEFT adapter writes a directory whose model gives PEFT's numbers. */
    @Test
    void mergeCommandWritesPeftsModel() {
        JsonNode e = expected();
        Path out = tmp.resolve("merged");
        CliRunner.Result r = CliRunner.run("merge", "--model", ROOT.resolve("bert-tiny").toString(), "--adapter",
                ROOT.resolve("bert-adapters/patterns").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (LoadedModel m = ModelLoader.load(out.toString(), Precision.FP32)) {
            assertTrue(maxDiff(m, e, e.get("models").get("bert").get("adapters").get("patterns")) < TOLERANCE);
        }
    }

    /** DoRA with lora_bias (PEFT refuses it too) and every option we cannot run: one line naming it, exit 1, nothing written. */
    @Test
    void refusedOptionsAreNamedAndNothingIsWritten() throws IOException {
        Path out = tmp.resolve("out");
        Path doraBias = tmp.resolve("dora-lora-bias");
        Files.createDirectories(doraBias);
        Files.copy(ROOT.resolve("bert-adapters/dora").resolve(PeftAdapterFiles.WEIGHTS), doraBias.resolve(PeftAdapterFiles.WEIGHTS));
        ObjectNode dc = (ObjectNode) JSON.readTree(ROOT.resolve("bert-adapters/dora").resolve(PeftAdapterFiles.CONFIG).toFile());
        dc.put("lora_bias", true);
        Files.writeString(doraBias.resolve(PeftAdapterFiles.CONFIG), JSON.writeValueAsString(dc));
        CliRunner.Result r = CliRunner.run("merge", "--model", ROOT.resolve("bert-tiny").toString(), "--adapter", doraBias.toString(),
                "--out", out.toString());
        CliRunner.assertOneLineError(r, "use_dora");
        assertFalse(Files.exists(out));
        Map<String, String> refused = Map.of("trainable_token_indices", "[1, 2]", "layer_replication", "[[0, 2], [1, 3]]",
                "megatron_config", "{\"tensor_model_parallel_size\": 2}", "target_parameters", "[\"experts.gate_up_proj\"]",
                "use_qalora", "true", "init_lora_weights", "\"pissa\"", "alora_invocation_tokens", "[5, 6]", "a_future_option", "3",
                "bias", "\"some\"", "target_modules", "\"all-linear\"");
        for (Map.Entry<String, String> o : refused.entrySet()) {
            Path dir = tmp.resolve("adapter-" + o.getKey());
            Files.createDirectories(dir);
            Path src = ROOT.resolve("bert-adapters/plain");
            Files.copy(src.resolve(PeftAdapterFiles.WEIGHTS), dir.resolve(PeftAdapterFiles.WEIGHTS));
            ObjectNode c = (ObjectNode) JSON.readTree(src.resolve(PeftAdapterFiles.CONFIG).toFile());
            c.set(o.getKey(), JSON.readTree(o.getValue()));
            Files.writeString(dir.resolve(PeftAdapterFiles.CONFIG), c.toString());
            ModelFormatException ex = assertThrows(ModelFormatException.class, () -> PeftAdapterFiles.load(dir), o.getKey());
            assertTrue(ex.getMessage().contains(o.getKey()), ex.getMessage());
            r = CliRunner.run("merge", "--model", ROOT.resolve("bert-tiny").toString(), "--adapter", dir.toString(), "--out", out.toString());
            CliRunner.assertOneLineError(r, o.getKey());
            assertFalse(Files.exists(out));
        }
    }

    /** No field of PEFT 0.21's LoraConfig is read and ignored: each is honoured, accepted or refused, and only one of those. */
    @Test
    void everyLoraConfigFieldIsClassified() {
        Set<String> fields = new HashSet<>();
        expected().get("lora_config_fields").forEach(n -> fields.add(n.asText()));
        assertTrue(fields.size() > 30, "PEFT's field list: " + fields);
        for (String f : fields) {
            int in = (LoraConfigJson.HONOURED.contains(f) ? 1 : 0) + (LoraConfigJson.ACCEPTED.contains(f) ? 1 : 0)
                    + (LoraConfigJson.REFUSED.contains(f) ? 1 : 0);
            assertEquals(1, in, "LoraConfig field '" + f + "' must be exactly one of honoured, accepted, refused");
        }
    }

    /** A DCFT file with a field DCFT does not have (say, copied from a LoRA config) is refused, not ignored. */
    @Test
    void dcftRefusesFieldsItDoesNotHave() throws IOException {
        Path dir = tmp.resolve("dcft");
        try (LoadedModel m = ModelLoader.load(ROOT.resolve("bert-tiny").toString(), Precision.FP32)) {
            AdapterSpec spec = AdapterSpec.of(new dev.dcft.adapters.dcft.DcftConfig(4, 4, 1, 4, dev.dcft.adapters.dcft.DcftConfig.Init.GAUSSIAN,
                    0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));
            Adapters.apply(m.model(), spec, m.manager(), 1);
            PeftAdapterFiles.save(dir, spec, "tiny", m.model(), Map.of(), List.of(), null, false);
        }
        PeftAdapterFiles.load(dir);
        ObjectNode c = (ObjectNode) JSON.readTree(dir.resolve(PeftAdapterFiles.CONFIG).toFile());
        c.putArray("layers_to_transform").add(1);
        Files.writeString(dir.resolve(PeftAdapterFiles.CONFIG), c.toString());
        ModelFormatException ex = assertThrows(ModelFormatException.class, () -> PeftAdapterFiles.load(dir));
        assertTrue(ex.getMessage().contains("layers_to_transform"), ex.getMessage());
    }

    /** {@code dcft train --rslora --rank-pattern --alpha-pattern} writes PEFT's fields and trains the per-module ranks. */
    @Test
    void trainWritesRsloraAndPerModuleRanks() throws IOException {
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--task", "sst2", "--model", ROOT.resolve("bert-tiny").toString(), "--method", "lora",
                "--rank", "2", "--alpha", "8", "--rslora", "--rank-pattern", "query=4,layer.1.output.dense=3", "--alpha-pattern", "value=16",
                "--max-steps", "1", "--batch", "4", "--max-len", "16", "--train-limit", "8", "--eval-limit", "8", "--data",
                dev.dcft.testing.SharedData.root().toString(), "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        JsonNode c = JSON.readTree(run.resolve("adapter").resolve(PeftAdapterFiles.CONFIG).toFile());
        assertTrue(c.get("use_rslora").asBoolean());
        assertEquals(4, c.get("rank_pattern").get("query").asInt());
        assertEquals(3, c.get("rank_pattern").get("layer.1.output.dense").asInt());
        assertEquals(16, c.get("alpha_pattern").get("value").asInt());
        PeftAdapterFiles.LoadedAdapter a = PeftAdapterFiles.load(run.resolve("adapter"));
        assertEquals(List.of(4L, 16L), java.util.Arrays.stream(a.adapterTensors()
                .get("base_model.model.encoder.layer.2.attention.self.query.lora_A.weight").shape()).boxed().toList());
        assertEquals(3, a.adapterTensors().get("base_model.model.encoder.layer.1.output.dense.lora_B.weight").shape()[1]);
        assertEquals(2, a.adapterTensors().get("base_model.model.encoder.layer.1.attention.output.dense.lora_B.weight").shape()[1]);
        assertEquals(16 / Math.sqrt(2), ((dev.dcft.adapters.lora.LoraConfig) a.spec().config()).scaleFor("encoder.layer.0.attention.self.value"), 1e-12);
        assertEquals(8 / Math.sqrt(4), ((dev.dcft.adapters.lora.LoraConfig) a.spec().config()).scaleFor("encoder.layer.0.attention.self.query"), 1e-12);
        CliRunner.Result bad = CliRunner.run("train", "--task", "sst2", "--method", "dcft", "--rslora", "--out", tmp.resolve("x").toString());
        CliRunner.assertOneLineError(bad, "--rslora");
    }

    /**
     * Predictor on a run whose adapter PEFT wrote for a sequence-classification model (rsLoRA, a rank pattern, pooler
     * and classifier saved): the label probabilities are the softmax of PEFT's merged model's logits.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"bert", "deberta"})
    void predictorGivesPeftsClassifierOutputs(String arch) throws IOException {
        JsonNode want = expected().get("models").get(arch).get("adapters").get("seq_cls_head");
        Path run = tmp.resolve("run-" + arch);
        dev.dcft.train.RunDirectory dir = new dev.dcft.train.RunDirectory(run);
        dir.create(false);
        dev.dcft.train.TrainConfig b = dev.dcft.train.Presets.base("cpu", dev.dcft.data.GlueTask.SST2, "lora",
                ROOT.resolve(arch + "-tiny").toAbsolutePath().toString()).build();
        dir.writeConfig(b);
        Path adapter = dir.adapter();
        Files.createDirectories(adapter);
        for (String f : List.of(PeftAdapterFiles.CONFIG, PeftAdapterFiles.WEIGHTS)) {
            Files.copy(ROOT.resolve(arch + "-adapters/seq_cls_head").resolve(f), adapter.resolve(f));
        }
        List<String> texts = new ArrayList<>();
        want.get("texts").forEach(t -> texts.add(t.asText()));
        try (dev.dcft.train.Predictor p = dev.dcft.train.Predictor.open(run)) {
            List<dev.dcft.train.Predictor.Prediction> got = p.predict(texts.stream().map(t -> new dev.dcft.train.Predictor.Input(t, null)).toList());
            for (int i = 0; i < texts.size(); i++) {
                double l0 = want.get("logits").get(i).get(0).asDouble();
                double l1 = want.get("logits").get(i).get(1).asDouble();
                double p1 = 1 / (1 + Math.exp(l0 - l1));
                List<String> labels = p.task().labels();
                double ours = got.get(i).probabilities().get(labels.get(1));
                System.out.printf("%s Predictor P(%s) %.6f, PEFT %.6f%n", arch, labels.get(1), ours, p1);
                assertEquals(p1, ours, TOLERANCE);
            }
        }
    }
}
