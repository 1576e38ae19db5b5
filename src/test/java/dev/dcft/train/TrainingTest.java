package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.data.DataLocator;
import dev.dcft.data.GlueReader;
import dev.dcft.data.GlueTask;
import dev.dcft.engine.Engines;
import dev.dcft.io.HostTensor;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short trainings: learning, resuming after a kill, interruption, divergence, run-directory rules. */
class TrainingTest {
    @TempDir
    Path tmp;

    static TrainConfig tinyConfig(String model, int steps) {
        return Presets.base("cpu", GlueTask.SST2, "dcft", model).adapter(MethodOptions.empty().with("kernel", 8).with("rank", 1)
                .with("alpha", 4).with("adapter-dropout", 0.1).with("gamma", 0.1)).lr(5e-3).epochs(1).maxSteps(steps).batch(8)
                .maxLen(32).warmupSteps(0).warmupRatio(0.1).weightDecay(0.01).clsDropout(0.1).clipNorm(1.0).evalEvery(6).saveEvery(5)
                .seed(7).threads(2).trainLimit(96).evalLimit(40).build();
    }

    /** DCFT on an SST-2 subset with the embedded MiniLM beats the majority class by a wide margin. */
    @Test
    void dcftOnSst2Learns() throws Exception {
        TestModels.minilm(); // fixes the thread count for the JVM
        TrainConfig c = Presets.base("cpu", GlueTask.SST2, "dcft", "minilm-l6").adapter(MethodOptions.empty().with("kernel", 8)
                .with("rank", 1).with("alpha", 4).with("gamma", 0.1)).lr(5e-3).epochs(1).maxSteps(120).batch(16).maxLen(64)
                .warmupSteps(0).warmupRatio(0.1).weightDecay(0.01).clsDropout(0.1).clipNorm(1.0).evalEvery(60).saveEvery(0).seed(42)
                .threads(2).trainLimit(2000).evalLimit(400).build();
        TaskRun.Outcome o = TaskRun.train(c, SharedData.root(), tmp.resolve("sst2"), false, false, (s, t, e, l, r) -> { }, t -> { });
        var dev = GlueReader.read(DataLocator.resolve(SharedData.root()).file(GlueTask.SST2, "dev.tsv"), GlueTask.SST2, false)
                .examples().subList(0, 400);
        double positive = dev.stream().filter(e -> e.label() == 1).count() / 400.0;
        double majority = Math.max(positive, 1 - positive);
        double acc = o.result().best().get("accuracy");
        System.out.printf("SST-2 subset: DCFT dev accuracy %.3f after %d steps (majority class %.3f), %d trainable%n", acc,
                o.result().steps(), majority, o.trainableParams());
        assertTrue(acc >= majority + 0.15, "accuracy " + acc + " vs majority " + majority);
        JsonNode m = new ObjectMapper().readTree(Files.readString(tmp.resolve("sst2/metrics.json")));
        for (String f : List.of("task", "method", "trainable_params", "best", "final", "train_seconds", "tokens_per_second")) {
            assertTrue(m.has(f), f);
        }
        assertTrue(m.get("best").has("step") && m.get("best").has("accuracy"));
        assertTrue(Files.size(tmp.resolve("sst2/curves.png")) > 1000);
        assertTrue(Files.exists(tmp.resolve("sst2/adapter/adapter_config.json")));
        assertEquals(120, Files.readAllLines(tmp.resolve("sst2/log.jsonl")).size());
    }

    private Path tinyModel() throws Exception {
        Path dir = tmp.resolve("tiny-model");
        if (!Files.exists(dir)) {
            TestModels.writeTinyHfDirectory(dir, true, 17);
        }
        return dir;
    }

    private static Map<String, HostTensor> adapter(Path run) {
        return SafetensorsReader.read(run.resolve("adapter/adapter_model.safetensors"));
    }

    /** A run killed with SIGKILL and resumed ends exactly where an uninterrupted run does. */
    @Test
    void resumeAfterKillMatchesUninterruptedRun() throws Exception {
        Engines.configure(2);
        Path model = tinyModel();
        TrainConfig c = tinyConfig(model.toString(), 24);
        Path whole = tmp.resolve("whole");
        TaskRun.train(c, SharedData.root(), whole, false, false, (s, t, e, l, r) -> { }, t -> { });

        Path killed = tmp.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.dcft.cli.Main",
                "--threads", "2", "train", "--quiet", "--task", "sst2", "--model", model.toString(), "--data", SharedData.root().toString(),
                "--out", killed.toString(), "--kernel", "8", "--rank", "1", "--alpha", "4", "--adapter-dropout", "0.1", "--lr", "5e-3",
                "--max-steps", "24", "--batch", "8", "--max-len", "32", "--warmup-ratio", "0.1", "--weight-decay", "0.01",
                "--cls-dropout", "0.1", "--gamma", "0.1", "--eval-every", "6", "--save-every", "5", "--seed", "7",
                "--train-limit", "96", "--eval-limit", "40"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path state = killed.resolve("checkpoint/state.json");
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && p.isAlive()
                && !(Files.exists(state) && Files.readString(state).contains("\"step\" : 10"))) {
            Thread.sleep(20);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook, nothing saved on the way out
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(state), "the child wrote a checkpoint before it was killed: " + Files.readString(tmp.resolve("child.log")));
        assertFalse(Files.exists(killed.resolve("metrics.json")), "killed before the end");
        TaskRun.train(null, SharedData.root(), killed, true, false, (s, t, e, l, r) -> { }, t -> { });

        JsonNode a = new ObjectMapper().readTree(Files.readString(whole.resolve("metrics.json")));
        JsonNode b = new ObjectMapper().readTree(Files.readString(killed.resolve("metrics.json")));
        assertEquals(a.get("best"), b.get("best"));
        assertEquals(a.get("final"), b.get("final"));
        assertEquals(Files.readAllLines(whole.resolve("log.jsonl")), Files.readAllLines(killed.resolve("log.jsonl")));
        Map<String, HostTensor> ta = adapter(whole);
        Map<String, HostTensor> tb = adapter(killed);
        assertEquals(ta.keySet(), tb.keySet());
        ta.forEach((k, v) -> assertArrayEquals(v.data(), tb.get(k).data(), k));
    }

    /** Ctrl-C's path: a stop request saves a checkpoint; resuming finishes as if never stopped. */
    @Test
    void interruptSavesAndResumes() throws Exception {
        Engines.configure(2);
        Path model = tinyModel();
        TrainConfig c = tinyConfig(model.toString(), 12);
        Path whole = tmp.resolve("whole");
        TaskRun.train(c, SharedData.root(), whole, false, false, (s, t, e, l, r) -> { }, t -> { });
        Path stopped = tmp.resolve("stopped");
        TaskRun.Outcome first = TaskRun.train(c, SharedData.root(), stopped, false, false, (s, t, e, l, r) -> { }, t -> t.afterStep = s -> {
            if (s == 7) {
                Thread stopper = new Thread(() -> t.requestStop(60));
                stopper.start();
                try {
                    Thread.sleep(200); // the request lands while step 8 runs
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertTrue(first.result().interrupted());
        TaskRun.train(null, SharedData.root(), stopped, true, false, (s, t, e, l, r) -> { }, t -> { });
        assertEquals(Files.readAllLines(whole.resolve("log.jsonl")), Files.readAllLines(stopped.resolve("log.jsonl")));
        assertEquals(new ObjectMapper().readTree(Files.readString(whole.resolve("metrics.json"))).get("final"),
                new ObjectMapper().readTree(Files.readString(stopped.resolve("metrics.json"))).get("final"));
    }

    /** A NaN loss stops the run with the step number; the last good checkpoint stays. */
    @Test
    void nanLossStopsAndKeepsTheCheckpoint() throws Exception {
        Engines.configure(2);
        Path model = tinyModel();
        Path run = tmp.resolve("nan");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> TaskRun.train(tinyConfig(model.toString(), 12),
                SharedData.root(), run, false, false, (s, t, ep, l, r) -> { }, t -> t.afterStep = s -> {
                    if (s == 6) {
                        var p = t.trainableForTest().get("classifier.weight");
                        p.set(p.value().mul(Float.NaN));
                    }
                }));
        assertTrue(e.getMessage().contains("became NaN at step 7"), e.getMessage());
        assertTrue(e.getMessage().contains("kept in " + run.resolve("checkpoint")), e.getMessage());
        assertTrue(Files.readString(run.resolve("checkpoint/state.json")).contains("\"step\" : 5"));
    }

    @Test
    void existingRunDirectoryIsNotOverwritten() throws Exception {
        Engines.configure(2);
        Path run = Files.createDirectories(tmp.resolve("exists"));
        Files.writeString(run.resolve("notes.txt"), "keep");
        var e = assertThrows(IllegalArgumentException.class, () -> TaskRun.train(tinyConfig(tinyModel().toString(), 2),
                SharedData.root(), run, false, false, (s, t, ep, l, r) -> { }, t -> { }));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        assertEquals("keep", Files.readString(run.resolve("notes.txt")));
        TaskRun.train(tinyConfig(tinyModel().toString(), 2), SharedData.root(), run, false, true, (s, t, ep, l, r) -> { }, t -> { });
        assertFalse(Files.exists(run.resolve("notes.txt")));
        assertTrue(Files.exists(run.resolve("metrics.json")));
    }

    @Test
    void missingDataIsOneClearError() {
        var e = assertThrows(dev.dcft.io.ModelFormatException.class, () -> TaskRun.train(tinyConfig("minilm-l6", 2),
                tmp.resolve("nodata"), tmp.resolve("run"), false, false, (s, t, ep, l, r) -> { }, t -> { }));
        assertTrue(e.getMessage().contains("glue" + File.separator + "SST-2" + File.separator + "train.tsv"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("run")), "no run directory for a run that never started");
    }
}
