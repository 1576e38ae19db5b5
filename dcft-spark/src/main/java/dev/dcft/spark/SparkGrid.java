package dev.dcft.spark;

import dev.dcft.experiment.ClusterGridRunner;
import dev.dcft.experiment.ExperimentRunner;
import dev.dcft.experiment.Grid;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * An experiment grid on a Spark cluster: each planned run is one Spark task (of {@code spark.task.cpus} cores, the run's
 * threads), submitted in the grid's priority order; a task trains in a JVM of its own ({@link TrainingProcess}) in the
 * shared run directory and writes the run's summary to the summaries path (any Hadoop file system), exactly the summary
 * {@code dcft experiment run} writes on one machine, so {@code dcft experiment report} reads both alike. A task that dies
 * (executor lost, kill -9) is retried by Spark ({@code spark.task.maxFailures}) and resumes from the run's last checkpoint.
 *
 * <p>From spark-submit: {@code spark-submit --class dev.dcft.spark.SparkGrid --conf spark.task.cpus=2 dcft-spark-all.jar
 * GRID.json --runs DIR --summaries URI [--only GLOB]}; from the CLI: {@code dcft experiment run GRID.json --spark MASTER ...}.
 */
public final class SparkGrid implements ClusterGridRunner {
    /** A test's fault: a glob over run ids whose first attempt is killed (SIGKILL) once its run has a checkpoint. */
    static final String KILL_AFTER_CHECKPOINT = "spark.dcft.test.killAfterFirstCheckpoint";

    /** What one task needs: serialisable, small. */
    record Job(String gridJson, int index, String id, String runs, String summaries, int threads) implements Serializable {
    }

    public SparkGrid() {
    }

    public static void main(String[] args) throws Exception {
        String grid = null;
        String runs = null;
        String summaries = null;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = args[++i];
                case "--summaries" -> summaries = args[++i];
                case "--only" -> only = args[++i];
                default -> {
                    if (args[i].startsWith("-") || grid != null) {
                        throw new IllegalArgumentException("usage: SparkGrid GRID.json --runs DIR --summaries URI [--only GLOB]");
                    }
                    grid = args[i];
                }
            }
        }
        if (grid == null || runs == null || summaries == null) {
            throw new IllegalArgumentException("usage: SparkGrid GRID.json --runs DIR --summaries URI [--only GLOB]");
        }
        SparkSession spark = SparkSession.builder().appName("dcft experiment " + Path.of(grid).getFileName()).getOrCreate();
        try {
            PrintWriter log = new PrintWriter(System.out, true);
            ExperimentRunner.Outcome o = run(spark, Path.of(grid), runs, summaries, only, log);
            log.printf("%d done, %d already done, %d failed, %.2f hours%n", o.done().size(), o.skipped().size(), o.failed().size(), o.hours());
            if (!o.failed().isEmpty()) {
                System.exit(1);
            }
        } finally {
            spark.stop();
        }
    }

    @Override
    public ExperimentRunner.Outcome run(String master, Path grid, String runs, String summaries, String only, int threads, PrintWriter log)
            throws Exception {
        int cpus = threads > 0 ? threads : 1;
        SparkSession spark = SparkSession.builder().master(master).appName("dcft experiment " + grid.getFileName())
                .config("spark.task.cpus", Integer.toString(cpus)).config("spark.ui.enabled", "false").getOrCreate();
        return run(spark, grid, runs, summaries, only, log);
    }

    /**
     * Runs the grid on {@code spark}'s cluster, each run with {@code spark.task.cpus} threads. {@code runs} must be a
     * directory every executor reaches as a file path (a shared disk): checkpoints are written and resumed there.
     */
    public static ExperimentRunner.Outcome run(SparkSession spark, Path gridFile, String runs, String summaries, String only, PrintWriter log)
            throws IOException {
        if (LocalCopies.isRemote(runs)) {
            throw new IllegalArgumentException("--runs " + runs + ": run directories are written and resumed in place, so give a directory"
                    + " every executor reaches as a file path (a shared disk); summaries may go to any Hadoop path");
        }
        Path runsDir = LocalCopies.local(runs).toAbsolutePath();
        Grid grid = Grid.read(gridFile);
        String gridJson = Files.readString(gridFile);
        int threads = spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
        PathMatcher match = only == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + only);
        List<Job> jobs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Grid.Run> planned = grid.runs();
        long start = System.nanoTime();
        for (int i = 0; i < planned.size(); i++) {
            String id = planned.get(i).id();
            if (match != null && !match.matches(Path.of(id))) {
                continue;
            }
            if (HadoopFiles.exists(HadoopFiles.child(summaries, id + ".json"))) {
                skipped.add(id);
                continue;
            }
            jobs.add(new Job(gridJson, i, id, runsDir.toString(), summaries, threads));
        }
        log.printf("%d runs on Spark (%s), %d threads each; %d already done%n", jobs.size(), spark.sparkContext().master(), threads,
                skipped.size());
        log.flush();
        List<String> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        if (!jobs.isEmpty()) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            // One partition per run, in the grid's order: the scheduler offers a stage's tasks in partition order.
            List<String> results;
            try {
                results = jsc.parallelize(jobs, jobs.size()).map(SparkGrid::runTask).collect();
            } catch (RuntimeException e) {
                log.printf("the grid's Spark job failed: %s%n", e.getMessage());
                results = List.of();
            }
            for (Job j : jobs) {
                if (results.contains(j.id())) {
                    done.add(j.id());
                } else {
                    failed.add(j.id());
                }
            }
        }
        return new ExperimentRunner.Outcome(done, skipped, failed, List.of(), (System.nanoTime() - start) / 3.6e12);
    }

    /** One run, on an executor: train (or resume) in the shared run directory, then write its summary. */
    static String runTask(Job job) throws Exception {
        Path gridFile = Files.createTempFile("dcft-grid-", ".json");
        Files.writeString(gridFile, job.gridJson());
        Grid grid = Grid.read(gridFile);
        Files.delete(gridFile);
        Grid.Run r = grid.runs().get(job.index());
        Path dir = Path.of(job.runs()).resolve(job.id());
        List<String> args = ExperimentRunner.trainArgs(grid, r, dir, job.threads());
        TaskContext task = TaskContext.get();
        String kill = SparkEnv.get() == null ? "" : SparkEnv.get().conf().get(KILL_AFTER_CHECKPOINT, "");
        boolean fault = !kill.isEmpty() && task != null && task.attemptNumber() == 0
                && FileSystems.getDefault().getPathMatcher("glob:" + kill).matches(Path.of(job.id()));
        Path log = Path.of(job.runs()).resolve(job.id() + ".log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "attempt " + (task == null ? 0 : task.attemptNumber()) + ": dcft " + String.join(" ", args) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long t0 = System.nanoTime();
        int code = TrainingProcess.run(args, log, dir, fault);
        double wall = ExperimentRunner.recordWall(dir, (System.nanoTime() - t0) / 1e9);
        if (code != 0 || !Files.exists(dir.resolve("metrics.json"))) {
            throw new IllegalStateException("run " + job.id() + " failed (exit " + code + ", attempt " + (task == null ? 0 : task.attemptNumber())
                    + "); its log: " + log);
        }
        String summary = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(ExperimentRunner.summary(grid, r, dir, wall)) + "\n";
        HadoopFiles.writeAtomically(HadoopFiles.child(job.summaries(), job.id() + ".json"), summary);
        return job.id();
    }
}
