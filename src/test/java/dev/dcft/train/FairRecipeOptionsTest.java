package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.adapters.MethodOptions;
import dev.dcft.data.DataSource;
import dev.dcft.data.Example;
import dev.dcft.data.GlueReader;
import dev.dcft.data.DataLocator;
import dev.dcft.data.GlueTask;
import dev.dcft.data.TaskType;
import dev.dcft.engine.Precision;
import dev.dcft.io.HostTensor;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options of a fair recipe: the head's own rate and decay, a held-out slice of train, and configs written before them. */
class FairRecipeOptionsTest {
    @TempDir
    Path tmp;

    private static TrainConfig rte(double holdout, long seed) {
        return Presets.base("cpu", GlueTask.RTE, "dcft", "minilm-l6").adapter(MethodOptions.empty().with("kernel", 8).with("rank", 1)
                .with("alpha", 4).with("gamma", 0.1)).lr(5e-3).epochs(1).maxSteps(1).batch(8).maxLen(64).warmupSteps(0).warmupRatio(0)
                .weightDecay(0).clsDropout(0.1).clipNorm(1.0).evalEvery(0).saveEvery(0).seed(seed).threads(2).holdout(holdout).build();
    }

    private static Set<Integer> lines(List<Example> examples) {
        Set<Integer> s = new HashSet<>();
        examples.forEach(e -> s.add(e.line()));
        return s;
    }

    /** A holdout never shares a row with training, covers the file with it, is stratified, and is the same for the same seed. */
    @Test
    void holdoutIsDisjointStratifiedAndSeeded() {
        List<Example> all = GlueReader.read(DataLocator.resolve(SharedData.root()).file(GlueTask.RTE, "train.tsv"), GlueTask.RTE, false)
                .examples();
        DataSource a = TaskRun.source(rte(0.1, 3), SharedData.root());
        assertEquals(1, a.dev().size());
        assertEquals(TaskRun.HOLDOUT, a.dev().get(0).name());
        Set<Integer> train = lines(a.train());
        Set<Integer> held = lines(a.dev().get(0).examples());
        Set<Integer> both = new HashSet<>(train);
        both.retainAll(held);
        assertTrue(both.isEmpty(), "rows in both: " + both);
        assertEquals(all.size(), train.size() + held.size());
        assertEquals(Math.round(all.size() * 0.1), held.size(), 1.0);
        // Stratified: the held-out label rate is the file's, to within one row per label.
        long positives = all.stream().filter(e -> e.label() == 1).count();
        long heldPositives = a.dev().get(0).examples().stream().filter(e -> e.label() == 1).count();
        assertEquals(Math.round(positives * 0.1), heldPositives, 1.0);
        assertEquals(held, lines(TaskRun.source(rte(0.1, 3), SharedData.root()).dev().get(0).examples()), "same seed, same slice");
        assertNotEquals(held, lines(TaskRun.source(rte(0.1, 4), SharedData.root()).dev().get(0).examples()), "another seed, another slice");
        assertTrue(a.notes().get(0).contains("held out"), a.notes().toString());
        // Without --holdout the dev set is evaluated, as before.
        assertEquals("dev", TaskRun.source(rte(0, 3), SharedData.root()).dev().get(0).name());
    }

    /** Regression rows are held out at random (no labels to stratify), still disjoint. */
    @Test
    void holdoutOfRegressionRows() {
        List<Example> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(new Example("t" + i, null, 0, i / 10f, i + 2));
        }
        var split = dev.dcft.data.Holdout.split(rows, TaskType.REGRESSION, 0.2, 9);
        assertEquals(10, split.heldOut().size());
        Set<Integer> both = lines(split.train());
        both.retainAll(lines(split.heldOut()));
        assertTrue(both.isEmpty());
    }

    /**
     * One AdamW step from zero moments moves every tensor element by lr * |g| / (|g| + eps), so the
     * largest change in a tensor is (just under) its group's rate: the adapter's at --lr, the head's at --head-lr.
     */
    @Test
    void headAndAdapterGetTheirOwnRatesInOneAdamWStep() throws Exception {
        Path model = tmp.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 5);
        double lr = 1e-2;
        double headLr = 1e-3;
        TrainConfig c = Presets.base("cpu", GlueTask.SST2, "lora", model.toString()).adapter(MethodOptions.empty().with("rank", 2)
                .with("alpha", 4)).lr(lr).epochs(1).maxSteps(1).batch(8).maxLen(32).warmupSteps(0).warmupRatio(0).weightDecay(0)
                .clsDropout(0).clipNorm(0).evalEvery(0).saveEvery(0).seed(11).threads(2).trainLimit(16).evalLimit(16).headLr(headLr)
                .headWeightDecay(0.0).build(); // decay per group: weightDecayPerGroup
        Map<String, float[]> before = new LinkedHashMap<>();
        try (LoadedModel base = ModelLoader.load(model.toString(), Precision.FP32)) {
            TaskModel m = new TaskModel(base, TaskRun.spec(c, dev.dcft.model.bert.BertArchitecture.TARGET_MODULES), GlueTask.SST2.spec(), 0, c.seed());
            m.trainable().forEach((k, p) -> before.put(k, p.value().toFloatArray()));
        }
        Path run = tmp.resolve("run");
        TaskRun.train(c, SharedData.root(), run, false, false, (s, t, e, l, r) -> { }, t -> { });
        PeftAdapterFiles.LoadedAdapter after = PeftAdapterFiles.load(run.resolve("adapter"));
        Map<String, HostTensor> tensors = new LinkedHashMap<>(after.headTensors());
        after.adapterTensors().forEach((k, v) -> tensors.put(k.substring(PeftAdapterFiles.PREFIX.length()), v));
        assertEquals(before.keySet(), tensors.keySet());
        int heads = 0;
        int adapters = 0;
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            float[] now = tensors.get(e.getKey()).data();
            double max = 0;
            for (int i = 0; i < now.length; i++) {
                max = Math.max(max, Math.abs(now[i] - e.getValue()[i]));
            }
            boolean head = e.getKey().startsWith("pooler.") || e.getKey().startsWith("classifier.");
            // lora_B starts at zero, so lora_A's first gradient is zero and it must not move at all.
            double want = head ? headLr : e.getKey().contains("lora_A") ? 0 : lr;
            // |g| / (|g| + 1e-8) is just below 1 where gradients are small: above half the rate (the groups differ tenfold), never above it.
            assertTrue(max <= want * (1 + 1e-5) && max >= want * 0.5, e.getKey() + " moved by " + max + ", its rate is " + want);
            if (head) {
                heads++;
            } else if (want > 0) {
                adapters++;
            }
        }
        assertTrue(heads >= 4 && adapters >= 4, heads + " head and " + adapters + " adapter tensors");
        TrainConfig saved = new RunDirectory(run).readConfig();
        assertEquals(headLr, saved.headLr());
        assertEquals(0.0, saved.headWeightDecay());
    }

    /** Decoupled decay acts per group: a head with decay and an adapter without, at equal rates. */
    @Test
    void weightDecayPerGroup() {
        try (ai.djl.ndarray.NDManager mgr = ai.djl.ndarray.NDManager.newBaseManager()) {
            Map<String, dev.dcft.model.nn.Parameter> params = new LinkedHashMap<>();
            params.put("a.weight", new dev.dcft.model.nn.Parameter(mgr.create(new float[] {1f, 2f})));
            params.put("classifier.weight", new dev.dcft.model.nn.Parameter(mgr.create(new float[] {1f, 2f})));
            AdamW adam = new AdamW(params, mgr, 0.9, 0.999, 1e-8,
                    name -> name.startsWith("classifier") ? new AdamW.Group(1, 0.5) : new AdamW.Group(1, 0));
            Map<String, ai.djl.ndarray.NDArray> zero = Map.of("a.weight", mgr.zeros(new ai.djl.ndarray.types.Shape(2)),
                    "classifier.weight", mgr.zeros(new ai.djl.ndarray.types.Shape(2)));
            adam.step(mgr, zero, 0.1);
            // A zero gradient leaves only the decay: p * (1 - lr * wd).
            assertEquals(1f, params.get("a.weight").value().toFloatArray()[0], 1e-7);
            assertEquals(0.95f, params.get("classifier.weight").value().toFloatArray()[0], 1e-6);
            assertEquals(1.9f, params.get("classifier.weight").value().toFloatArray()[1], 1e-6);
        }
    }

    /** A config.json written before the options existed reads as "head like the adapter, no holdout". */
    @Test
    void configsWrittenBeforeTheOptionsStillRead() throws Exception {
        RunDirectory run = new RunDirectory(tmp.resolve("old"));
        run.create(false);
        run.writeConfig(rte(0, 1));
        String json = Files.readString(run.configFile()).replaceAll(",\\s*\"headLr\"[^,}]*", "").replaceAll(",\\s*\"headWeightDecay\"[^,}]*", "")
                .replaceAll(",\\s*\"holdout\"[^,}]*", "");
        assertFalse(json.contains("holdout"), json);
        Files.writeString(run.configFile(), json);
        TrainConfig c = run.readConfig();
        assertNull(c.headLr());
        assertEquals(c.lr(), c.headRate());
        assertEquals(c.weightDecay(), c.headDecay());
        assertFalse(c.heldOut());
    }

    /** Whether every prediction is one class: single-label classification only. */
    @Test
    void oneClassFlag() {
        float[][] same = {{2f, 1f}, {3f, -1f}, {0.5f, 0.1f}};
        float[][] mixed = {{2f, 1f}, {-3f, 1f}};
        assertTrue(Evaluator.oneClass(GlueTask.RTE.spec(), same));
        assertFalse(Evaluator.oneClass(GlueTask.RTE.spec(), mixed));
        assertFalse(Evaluator.oneClass(GlueTask.STSB.spec(), new float[][] {{1f}, {1f}}));
    }

    @Test
    void badHoldoutAndHeadRateAreOneLineErrors() {
        CliRunner.Result r = CliRunner.run("train", "--task", "rte", "--holdout", "1.5", "--out", tmp.resolve("x").toString());
        CliRunner.assertOneLineError(r, "--holdout", "between 0 and 1");
        r = CliRunner.run("train", "--task", "squad", "--holdout", "0.1", "--out", tmp.resolve("y").toString());
        CliRunner.assertOneLineError(r, "--holdout");
        r = CliRunner.run("train", "--task", "rte", "--lr", "0", "--head-lr", "1e-3", "--out", tmp.resolve("z").toString());
        CliRunner.assertOneLineError(r, "--head-lr");
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")) || Files.exists(tmp.resolve("z")));
    }
}
