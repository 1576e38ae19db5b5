package dev.dcft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a {@link Grid}: skips a run whose summary exists, resumes one whose run directory holds a
 * checkpoint (a kill, or a session that ended), starts the others; stops starting runs once the
 * budget is spent and says which are missing. After each run it writes the run's summary
 * ({@code <summaries>/<id>.json}: task, method, seed, precision, trainable numbers, best and final
 * metrics, training and wall seconds, tokens/s, the recipe), small enough to commit.
 */
public final class ExperimentRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WALL = "experiment-wall-seconds.txt";
    /** Exit codes of a run stopped by Ctrl-C (the CLI's Main.EXIT_INTERRUPTED) or by SIGTERM (a JVM's, 128 + 15). */
    private static final int INTERRUPTED = 130;
    private static final int TERMINATED = 143;

    /** What a call did. */
    public record Outcome(List<String> done, List<String> skipped, List<String> failed, List<String> missing, double hours) {
    }

    private ExperimentRunner() {
    }

    /**
     * @param train runs {@code dcft train} with the given arguments and returns its exit code
     * @param only a glob over run ids (null: all)
     */
    public static Outcome run(Grid grid, Path runs, Path summaries, double maxHours, String only, boolean dryRun, int threads,
            Function<List<String>, Integer> train, PrintWriter log) throws IOException {
        Files.createDirectories(summaries);
        PathMatcher match = only == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + only);
        List<String> done = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        long start = System.nanoTime();
        for (Grid.Run r : grid.runs()) {
            String id = r.id();
            if (match != null && !match.matches(Path.of(id))) {
                continue;
            }
            Path summary = summaries.resolve(id + ".json");
            if (Files.exists(summary)) {
                skipped.add(id);
                continue;
            }
            if ((System.nanoTime() - start) / 3.6e12 >= maxHours) {
                missing.add(id);
                continue;
            }
            Path dir = runs.resolve(id);
            boolean resume = resumes(dir);
            List<String> args = trainArgs(grid, r, dir, threads);
            log.printf("%s %s: dcft %s%n", resume ? "resuming" : "starting", id, String.join(" ", args));
            log.flush();
            if (dryRun) {
                continue;
            }
            long t0 = System.nanoTime();
            int code = train.apply(args);
            double wall = recordWall(dir, (System.nanoTime() - t0) / 1e9);
            if (code == INTERRUPTED || code == TERMINATED) {
                // The driver is being stopped: the run saved its checkpoint; starting the next one would be lost work.
                failed.add(id);
                log.printf("interrupted %s (exit %d); rerun the grid to resume it%n", id, code);
                log.flush();
                break;
            }
            if (code != 0 || !Files.exists(dir.resolve("metrics.json"))) {
                failed.add(id);
                log.printf("failed %s (exit %d); its run directory is kept for --resume%n", id, code);
                continue;
            }
            AtomicFiles.writeString(summary, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary(grid, r, dir, wall)) + "\n");
            done.add(id);
            log.printf("done %s in %.0f s -> %s%n", id, wall, summary);
            log.flush();
        }
        return new Outcome(done, skipped, failed, missing, (System.nanoTime() - start) / 3.6e12);
    }

    /** Whether the run in {@code dir} has a checkpoint to resume from (a kill, or a session that ended). */
    public static boolean resumes(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && Files.isDirectory(dir.resolve("checkpoint"));
    }

    /**
     * The {@code dcft} arguments that start run {@code r} in {@code dir}, or resume it there from its checkpoint (its
     * config.json then decides everything but where the data is); {@code threads} 0 leaves the default.
     */
    public static List<String> trainArgs(Grid grid, Grid.Run r, Path dir, int threads) {
        boolean resume = resumes(dir);
        List<String> fresh = grid.trainArgs(r);
        List<String> args = new ArrayList<>(resume ? List.of("train", "--resume") : fresh);
        int data = fresh.indexOf("--data");
        if (resume && data >= 0) {
            args.addAll(fresh.subList(data, data + 2));
        }
        args.addAll(List.of("--out", dir.toString(), "--quiet"));
        if (!resume) {
            args.add("--overwrite");
        }
        if (threads > 0) {
            args.addAll(List.of("--threads", Integer.toString(threads)));
        }
        return args;
    }

    /** Adds {@code seconds} to the wall time the run in {@code dir} has used (kept there across resumes); returns the total. */
    public static double recordWall(Path dir, double seconds) throws IOException {
        double wall = seconds + previousWall(dir);
        if (Files.isDirectory(dir)) {
            AtomicFiles.writeString(dir.resolve(WALL), Double.toString(wall));
        }
        return wall;
    }

    private static double previousWall(Path dir) {
        try {
            return Double.parseDouble(Files.readString(dir.resolve(WALL)).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The run's summary, from its run directory: what {@code <summaries>/<id>.json} holds. */
    public static ObjectNode summary(Grid grid, Grid.Run r, Path dir, double wall) throws IOException {
        JsonNode metrics = JSON.readTree(dir.resolve("metrics.json").toFile());
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("grid", grid.name());
        o.put("stage", r.stage().name());
        o.put("priority", r.stage().priority());
        o.put("tag", r.stage().tag());
        o.put("task", r.task());
        o.put("method", r.method());
        o.put("seed", r.seed());
        o.put("model", config.path("model").asText());
        o.put("precision", config.hasNonNull("precision") ? config.get("precision").asText() : "fp32");
        o.set("trainable_params", metrics.get("trainable_params"));
        o.set("best", metrics.get("best"));
        o.set("final", metrics.get("final"));
        o.set("train_seconds", metrics.get("train_seconds"));
        // Never less than the trainer's own time: a session killed mid-run never wrote its share of the wall time.
        o.put("wall_seconds", Math.round(Math.max(wall, metrics.path("train_seconds").asDouble()) * 10) / 10.0);
        o.set("tokens_per_second", metrics.get("tokens_per_second"));
        o.set("steps", metrics.get("steps"));
        o.set("threads", metrics.get("threads"));
        o.set("machine", JSON.valueToTree(dev.dcft.engine.Machine.describe())); // where the summary was written: the run's machine
        ObjectNode recipe = o.putObject("recipe");
        for (String k : List.of("method", "kernel", "stride", "rank", "alpha", "lr", "headLr", "epochs", "maxSteps", "batch", "maxLen",
                "warmupSteps", "warmupRatio", "weightDecay", "headWeightDecay", "clsDropout", "gamma", "targets", "holdout")) {
            if (config.has(k)) {
                recipe.set(k, config.get(k));
            } else if (config.path("adapter").has(k)) {
                recipe.set(k, config.get("adapter").get(k)); // the method's options, nested since the plug-in registry
            }
        }
        o.put("evaluated_on", config.path("holdout").asDouble(0) > 0 ? "holdout" : "dev");
        history(o, dir.resolve("log.jsonl"));
        return o;
    }

    /** Training losses kept: every one of the first 20 steps, then every 50th, and the last. */
    static boolean keepsLoss(int step, int lastStep) {
        return step <= 20 || step % 50 == 0 || step == lastStep;
    }

    /**
     * What RESULTS may quote besides the final numbers, from the run's log.jsonl: every evaluation
     * (step, epoch, metrics, whether all predictions were one class) and the training loss with the
     * adapter's and the head's gradient norms at the steps {@link #keepsLoss} keeps.
     */
    static void history(ObjectNode o, Path log) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        int lastStep = lines.isEmpty() ? 0 : lines.get(lines.size() - 1).path("step").asInt();
        var evaluations = o.putArray("history");
        var losses = o.putArray("train_loss");
        int oneClass = 0;
        for (JsonNode e : lines) {
            int step = e.path("step").asInt();
            if (keepsLoss(step, lastStep)) {
                ObjectNode l = losses.addObject();
                for (String k : List.of("step", "epoch", "loss", "lr", "head_lr", "grad_norm", "grad_norm_adapter", "grad_norm_head")) {
                    if (e.has(k)) {
                        l.set(k, e.get(k));
                    }
                }
            }
            ObjectNode ev = null;
            for (var it = e.fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getKey().startsWith("eval_")) {
                    if (ev == null) {
                        ev = evaluations.addObject();
                        ev.put("step", step);
                        ev.set("epoch", e.get("epoch"));
                    }
                    ev.set(f.getKey().substring("eval_".length()), f.getValue());
                }
            }
            if (ev != null && ev.path("one_class").asBoolean(false)) {
                oneClass++;
            }
        }
        o.put("one_class_evaluations", oneClass);
    }
}
