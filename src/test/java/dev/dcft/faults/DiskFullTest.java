package dev.dcft.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.ChildCli;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up while a run writes its checkpoint: the command ends with one line saying so
 * and a non-zero exit, the previous checkpoint stays whole, nothing half-written is left, and once
 * space is freed {@code --resume} finishes the run exactly as an uninterrupted one. The disk is a
 * 64 MB tmpfs where the test may mount one (root, as on CI); elsewhere the same write fails through
 * the {@code :enospc} fail point (FailPoints), and the test says which it used.
 */
class DiskFullTest {
    private static final int STEPS = 30;

    @TempDir
    Path tmp;

    @Test
    void aFullDiskFailsInOneLineAndKeepsTheLastCheckpoint() throws Exception {
        Path model = tmp.resolve("model");
        TestModels.writeTinyHfDirectory(model, true, 17);
        Path whole = tmp.resolve("whole");
        assertEquals(0, run(train(model, whole), null).code, "uninterrupted run");

        Path disk = Files.createDirectories(tmp.resolve("small-disk"));
        boolean tmpfs = exec("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", disk.toString()) == 0;
        try {
            Path run = disk.resolve("run");
            // Stopped as by Ctrl-C (SIGTERM) after a few steps: it saves a checkpoint and leaves nothing else behind.
            run(train(model, run), null, () -> Files.exists(run.resolve("log.jsonl")) && Files.readAllLines(run.resolve("log.jsonl")).size() >= 8);
            Path state = run.resolve("checkpoint/state.json");
            String stateBefore = Files.readString(state);
            byte[] checkpointBefore = Files.readAllBytes(run.resolve("checkpoint/state.safetensors"));

            Path filler = disk.resolve("filler");
            if (tmpfs) {
                // Fill the disk, then free half a checkpoint (full fine-tuning: about 6 MB, so page rounding does not
                // matter): the log lines fit, the next checkpoint does not.
                fill(filler, checkpointBefore.length / 2);
            }
            Outcome full = run(resume(run), tmpfs ? null : "file-written/state.safetensors:1:enospc");
            assertEquals(1, full.code, full.output);
            // libtorch's own warnings ("[W1203 ...] Warning: ...") come from native code, not from us.
            List<String> lines = full.output.lines().filter(l -> !l.isBlank() && !l.matches("^\\[W\\d{4} .*")).toList();
            assertEquals(1, lines.size(), "one line: " + full.output);
            assertTrue(lines.get(0).startsWith("dcft: error: ") && lines.get(0).contains("No space left on device"), lines.get(0));
            assertEquals(stateBefore, Files.readString(state), "the last good checkpoint stays");
            assertArrayEquals(checkpointBefore, Files.readAllBytes(run.resolve("checkpoint/state.safetensors")));
            assertTrue(SafetensorsReader.read(run.resolve("checkpoint/state.safetensors")).keySet().stream().anyMatch(k -> k.startsWith("adam_v/")));
            try (Stream<Path> s = Files.list(run)) {
                assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
                        "the failed write removed its temporary files");
            }

            Files.deleteIfExists(filler);
            assertEquals(0, run(resume(run), null).code, "space freed: the run finishes");
            // Byte for byte: the resumes run with the thread count the run started with (they once used all cores,
            // which changed full fine-tuning's weight gradients in the last bits of float32).
            for (String f : List.of("adapter_model.safetensors", "adapter_config.json")) {
                assertArrayEquals(Files.readAllBytes(whole.resolve("adapter").resolve(f)),
                        Files.readAllBytes(run.resolve("adapter").resolve(f)), f);
            }
            assertEquals(Files.readAllLines(whole.resolve("log.jsonl")), Files.readAllLines(run.resolve("log.jsonl")));
            ObjectMapper json = new ObjectMapper();
            assertEquals(json.readTree(whole.resolve("metrics.json").toFile()).get("final"),
                    json.readTree(run.resolve("metrics.json").toFile()).get("final"));
            System.out.println("DiskFullTest: " + (tmpfs ? "a 64 MB tmpfs filled up" : "injected ENOSPC (no tmpfs could be mounted here)")
                    + ": " + lines.get(0));
        } finally {
            if (tmpfs && exec("umount", disk.toString()) != 0) {
                exec("umount", "-l", disk.toString()); // busy for a moment after the last child: detach it now
            }
        }
    }

    /** Writes {@code filler} until the disk is full, then gives back {@code free} bytes. */
    private static void fill(Path filler, long free) throws IOException {
        byte[] chunk = new byte[1 << 16];
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            try {
                while (true) {
                    f.write(chunk);
                }
            } catch (IOException full) {
                // ENOSPC: the disk is full.
            }
            f.setLength(Math.max(0, f.length() - free));
        }
    }

    private static int exec(String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<String> train(Path model, Path out) {
        return List.of("train", "--quiet", "--threads", "1", "--task", "sst2", "--model", model.toString(), "--data",
                SharedData.root().toString(), "--out", out.toString(), "--method", "full", "--lr", "1e-4", "--max-steps",
                Integer.toString(STEPS), "--batch", "8", "--max-len", "32", "--warmup-ratio", "0.1", "--eval-every", "10",
                "--save-every", "5", "--seed", "3", "--train-limit", "96", "--eval-limit", "32");
    }

    private static List<String> resume(Path out) {
        return List.of("train", "--quiet", "--resume", "--data", SharedData.root().toString(), "--out", out.toString());
    }

    private record Outcome(int code, String output) {
    }

    private Outcome run(List<String> args, String failpoint) throws Exception {
        return run(args, failpoint, null);
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws IOException;
    }

    /** Runs the CLI in a child JVM; sends it SIGTERM (Ctrl-C's path) once {@code stopWhen} holds. */
    private Outcome run(List<String> args, String failpoint, Condition stopWhen) throws Exception {
        List<String> cmd = ChildCli.command(ChildCli.faultOptions(failpoint), args);
        Path log = Files.createTempFile(tmp, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        while (stopWhen != null && p.isAlive()) {
            if (stopWhen.holds()) {
                p.destroy();
                break;
            }
            Thread.sleep(5);
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Outcome(p.waitFor(), Files.readString(log));
    }
}
