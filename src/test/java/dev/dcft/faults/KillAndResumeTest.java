package dev.dcft.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.ChildCli;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random points of a training run and of a merge, repeated; after every kill each file
 * a user sees is whole (or absent), and once the run is resumed to its end (and the merge rerun)
 * the adapter, metrics, log and merged model equal an uninterrupted run's, byte for byte.
 *
 * <p>Kills come two ways: a real SIGKILL ({@link Process#destroyForcibly}) when the run's log
 * reaches a random step, and a halt at a named point of the write paths ({@code dcft.failpoint},
 * see {@code FailPoints}), which is how a kill lands inside a checkpoint swap or the final adapter
 * write, windows too narrow to hit by timing. {@code mvn verify} does {@value #DEFAULT_KILLS} kills;
 * {@code scripts/faults.sh} runs it with {@code -Ddcft.kills=24}.
 */
class KillAndResumeTest {
    static final int DEFAULT_KILLS = 8;
    private static final int STEPS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Where a kill lands: a SIGKILL at a random logged step, or a halt at a fail point. */
    private record Kill(String failpoint) {
        boolean atStep() {
            return failpoint == null;
        }

        @Override
        public String toString() {
            return atStep() ? "SIGKILL at a random step" : "halt at " + failpoint;
        }
    }

    @Test
    void killedRunsAndMergesEndAsUninterruptedOnes() throws Exception {
        int wanted = Integer.getInteger("dcft.kills", DEFAULT_KILLS);
        Random rnd = new Random(Long.getLong("dcft.kills.seed", 20261203L));
        Path model = tmp.resolve("model");
        TestModels.writeTinyHfDirectory(model, true, 17);

        Path whole = tmp.resolve("whole");
        assertEquals(0, run(train(model, whole), null, null).exitCode, "uninterrupted run");
        Path wholeMerged = tmp.resolve("whole-merged");
        assertEquals(0, run(merge(model, whole, wholeMerged), null, null).exitCode, "uninterrupted merge");

        // Training: cycle through the kinds of kill until the run finishes.
        List<Kill> trainingKills = List.of(new Kill(null), new Kill("directory-swap/checkpoint"), new Kill(null),
                new Kill("file-written/state.safetensors"), new Kill("directory-swap/adapter"), new Kill(null),
                new Kill("directory-filled/checkpoint"), new Kill("file-written/adapter_model.safetensors"),
                new Kill("file-written/metrics.json"), new Kill("file-written/log.jsonl"));
        List<String> done = new ArrayList<>();
        int trainingBudget = Math.max(1, wanted * 2 / 3);
        Path killed = null;
        int runs = 0;
        for (int i = 0; done.size() < trainingBudget && i < trainingBudget * 4; runs++) {
            // A run killed and resumed until it ends; when it ends before the kills wanted, a fresh run takes the rest.
            killed = tmp.resolve("killed-" + runs);
            Path run = killed;
            boolean started = false;
            boolean ended = false;
            for (; done.size() < trainingBudget && i < trainingBudget * 4; i++) {
                Kill k = trainingKills.get(i % trainingKills.size());
                List<String> cmd = started ? resume(run) : train(model, run);
                started = true;
                // Files written once per process (metrics, the log's truncation) and the adapter's swaps, which come only
                // with a better evaluation, are hit at their first write; checkpoint writes at one of the next three.
                boolean first = !k.atStep() && !k.failpoint().contains("checkpoint") && !k.failpoint().contains("state.");
                String fp = k.atStep() ? null : k.failpoint() + ":" + (first ? 1 : 1 + rnd.nextInt(3));
                int atLines = loggedSteps(run) + 1 + rnd.nextInt(STEPS / 4);
                Outcome o = run(cmd, fp, k.atStep() ? () -> loggedSteps(run) >= atLines : null);
                if (o.exitCode == 0) {
                    i++;
                    ended = true;
                    break; // the run ended before this kill could land
                }
                assertEquals(137, o.exitCode, "only the kill ends a run: " + o.log);
                done.add((fp == null ? "SIGKILL after step " + loggedSteps(run) : "halt at " + fp) + " (run " + runs + ")");
                assertWhole(run);
            }
            if (!ended) {
                assertEquals(0, run(resume(run), null, null).exitCode);
            }
            assertSameRun(whole, run);
        }

        // Merge: killed at its writes or at random times, rerun until it completes; a timed kill that comes after the
        // merge finished leaves a complete output, which is checked and removed for the next try.
        Path merged = tmp.resolve("merged");
        List<String> mergeKills = List.of("directory-filled/merged", "", "file-written/model.safetensors");
        int trainingDone = done.size();
        for (int i = 0; done.size() < Math.max(wanted, trainingDone + 3) && i < wanted * 4; i++) {
            String kind = mergeKills.get(i % mergeKills.size());
            Outcome o;
            if (kind.isEmpty()) {
                long delay = 200 + rnd.nextInt(1500);
                long start = System.currentTimeMillis();
                o = run(merge(model, killed, merged), null, () -> System.currentTimeMillis() - start >= delay);
            } else {
                o = run(merge(model, killed, merged), kind + ":1", null);
            }
            if (Files.exists(merged)) {
                assertSameFiles(wholeMerged, merged);
                dev.dcft.io.AtomicFiles.deleteTree(merged);
                continue;
            }
            assertEquals(137, o.exitCode, o.log);
            done.add("merge: " + (kind.isEmpty() ? "SIGKILL at a random time" : "halt at " + kind));
        }
        assertEquals(0, run(merge(model, killed, merged), null, null).exitCode);
        assertSameFiles(wholeMerged, merged);
        try (Stream<Path> s = Files.list(merged.getParent())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".merged.")).toList(),
                    "the last merge removed what killed ones left");
        }
        System.out.printf("KillAndResumeTest: %d kills (%d in training over %d runs, %d in merge): %s%n", done.size(), trainingDone,
                runs, done.size() - trainingDone, done);
        String file = System.getProperty("dcft.kills.summary");
        if (file != null) {
            var summary = JSON.createObjectNode();
            summary.put("kills", done.size());
            summary.put("in_training", trainingDone);
            summary.put("training_runs", runs);
            summary.put("in_merge", done.size() - trainingDone);
            summary.set("where", JSON.valueToTree(done));
            summary.put("resumed_run_equals_uninterrupted", true);
            summary.put("merge_equals_uninterrupted", true);
            Files.writeString(Path.of(file), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n");
        }
        assertTrue(done.size() >= wanted, done.size() + " kills landed of " + wanted + " wanted: " + done);
    }

    private List<String> train(Path model, Path out) {
        return List.of("train", "--quiet", "--threads", "1", "--task", "sst2", "--model", model.toString(), "--data",
                SharedData.root().toString(), "--out", out.toString(), "--kernel", "8", "--lr", "5e-3", "--max-steps",
                Integer.toString(STEPS), "--batch", "8", "--max-len", "32", "--warmup-ratio", "0.1", "--adapter-dropout", "0.1",
                "--cls-dropout", "0.1", "--eval-every", "10", "--save-every", "5", "--seed", "7", "--train-limit", "160",
                "--eval-limit", "32");
    }

    private static List<String> resume(Path out) {
        return List.of("train", "--quiet", "--resume", "--data", SharedData.root().toString(), "--out", out.toString());
    }

    private static List<String> merge(Path model, Path run, Path out) {
        return List.of("merge", "--model", model.toString(), "--adapter", run.resolve("adapter").toString(), "--out", out.toString());
    }

    private record Outcome(int exitCode, String log) {
    }

    /** Runs the CLI in a child JVM; kills it with SIGKILL once {@code when} holds (polled every 2 ms). */
    private Outcome run(List<String> args, String failpoint, Condition when) throws Exception {
        List<String> cmd = ChildCli.command(ChildCli.faultOptions(failpoint), args);
        Path log = Files.createTempFile(tmp, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + 300_000;
        while (p.isAlive() && System.currentTimeMillis() < deadline) {
            if (when != null && when.holds()) {
                p.destroyForcibly();
                break;
            }
            Thread.sleep(2);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("child did not end: " + args);
        }
        return new Outcome(p.exitValue(), Files.readString(log));
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws IOException;
    }

    private static int loggedSteps(Path run) throws IOException {
        Path log = run.resolve("log.jsonl");
        if (!Files.exists(log)) {
            return 0;
        }
        try {
            return (int) Files.readAllLines(log).stream().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0; // replaced under us by a resume's truncation: ask again
        }
    }

    /** Every file a user sees in a run directory is whole: it parses, or it is absent. */
    private static void assertWhole(Path run) throws IOException {
        assertNotNull(JSON.readTree(Files.readString(run.resolve("config.json"))), "config.json");
        if (Files.exists(run.resolve("log.jsonl"))) {
            for (String line : Files.readAllLines(run.resolve("log.jsonl"))) {
                assertTrue(JSON.readTree(line).has("step"), "log.jsonl line: " + line);
            }
        }
        if (Files.exists(run.resolve("checkpoint"))) {
            JsonNode state = JSON.readTree(Files.readString(run.resolve("checkpoint/state.json")));
            assertTrue(state.has("step"), "checkpoint/state.json");
            assertFalse(SafetensorsReader.read(run.resolve("checkpoint/state.safetensors")).isEmpty());
        }
        if (Files.exists(run.resolve("adapter"))) {
            assertNotNull(PeftAdapterFiles.load(run.resolve("adapter")));
        }
        if (Files.exists(run.resolve("metrics.json"))) {
            assertTrue(JSON.readTree(Files.readString(run.resolve("metrics.json"))).has("final"), "metrics.json");
        }
        if (Files.exists(run.resolve("curves.png"))) {
            assertNotNull(ImageIO.read(run.resolve("curves.png").toFile()), "curves.png");
        }
    }

    private static void assertSameRun(Path whole, Path killed) throws IOException {
        assertSameFiles(whole.resolve("adapter"), killed.resolve("adapter"));
        assertEquals(Files.readAllLines(whole.resolve("log.jsonl")), Files.readAllLines(killed.resolve("log.jsonl")));
        JsonNode a = JSON.readTree(Files.readString(whole.resolve("metrics.json")));
        JsonNode b = JSON.readTree(Files.readString(killed.resolve("metrics.json")));
        assertEquals(a.get("best"), b.get("best"));
        assertEquals(a.get("final"), b.get("final"));
        try (Stream<Path> s = Files.list(killed)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
                    "the resumes removed every temporary file the kills left");
        }
    }

    /** Same file names, same bytes. */
    private static void assertSameFiles(Path a, Path b) throws IOException {
        List<String> na;
        List<String> nb;
        try (Stream<Path> s = Files.list(a); Stream<Path> t = Files.list(b)) {
            na = s.map(p -> p.getFileName().toString()).sorted().toList();
            nb = t.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(na, nb, "files of " + b);
        for (String n : na) {
            assertTrue(Arrays.equals(Files.readAllBytes(a.resolve(n)), Files.readAllBytes(b.resolve(n))), n + " differs");
        }
    }
}
