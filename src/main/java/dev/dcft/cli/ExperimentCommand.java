package dev.dcft.cli;

import dev.dcft.experiment.ExperimentReport;
import dev.dcft.experiment.ExperimentRunner;
import dev.dcft.experiment.Grid;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "experiment", description = "Run a grid of training runs (task x method x seed) from a JSON file, resumably, and"
        + " rebuild its tables and chart from the run summaries.", subcommands = {ExperimentCommand.Run.class, ExperimentCommand.Report.class})
final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    @Command(name = "run", description = "Runs the grid in order: skips runs whose summary exists, resumes those with a checkpoint,"
            + " writes <summaries>/<id>.json after each; stops starting runs after --max-hours.")
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "GRID.json")
        Path grid;

        @Option(names = "--runs", required = true, description = "Where run directories go (adapters, checkpoints: not for committing)."
                + " With --spark: a directory every executor reaches (shared disk).")
        String runs;

        @Option(names = "--summaries", required = true, description = "Where run summaries go (small JSON, for committing). With --spark:"
                + " any Hadoop path (file:, hdfs:, s3a:).")
        String summaries;

        @Option(names = "--spark", paramLabel = "MASTER", description = "Run each planned run as one Apache Spark task on MASTER (local[4],"
                + " spark://host:7077, yarn); needs dcft-spark and Spark on the class path (README, \"On a Spark cluster\").")
        String spark;

        @Option(names = "--max-hours", defaultValue = "1e9", description = "Start no run after this many hours.")
        double maxHours;

        @Option(names = "--only", description = "A glob over run ids (e.g. 'cola-*-s1').")
        String only;

        @Option(names = "--dry-run", description = "Print what would run.")
        boolean dryRun;

        @Option(names = "--process-per-run", description = "Start each training in its own JVM (same Java, -X/-D options and class"
                + " path): the native memory a run leaves behind goes back to the system before the next starts. Use it for grids of"
                + " large models; stopping the driver stops the run, which saves its checkpoint as usual.")
        boolean processPerRun;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            int threads = ((Main) spec.root().userObject()).threads;
            ExperimentRunner.Outcome o;
            if (spark != null) {
                dev.dcft.experiment.ClusterGridRunner cluster = dev.dcft.experiment.ClusterGridRunner.find();
                if (cluster == null) {
                    throw new IllegalArgumentException("--spark needs the dcft-spark module and Apache Spark on the class path: run"
                            + " spark-submit --class dev.dcft.spark.SparkGrid dcft-spark-all.jar GRID.json --runs DIR --summaries URI"
                            + " (README, \"On a Spark cluster\")");
                }
                if (dryRun || maxHours < 1e9) {
                    throw new IllegalArgumentException("--spark runs every planned run as a task of its own JVM; --dry-run and --max-hours"
                            + " are for one machine");
                }
                o = cluster.run(spark, grid, runs, summaries, only, threads, out);
            } else {
                o = ExperimentRunner.run(Grid.read(grid), Path.of(runs), Path.of(summaries), maxHours, only, dryRun, threads,
                        args -> processPerRun ? ChildJvm.run(args, out) : Main.run(args.toArray(String[]::new), out, err), out);
            }
            out.printf("%d done, %d already done, %d failed%s, %.2f hours%n", o.done().size(), o.skipped().size(), o.failed().size(),
                    o.missing().isEmpty() ? "" : ", not started (budget): " + String.join(" ", o.missing()), o.hours());
            return o.failed().isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "report", description = "Writes report.md (mean ± sd per task and method, average, details, sweeps) and chart.png"
            + " from the run summaries alone.")
    static final class Report implements Callable<Integer> {
        @Option(names = "--summaries", required = true)
        Path summaries;

        @Option(names = "--out", description = "Default: the summaries directory.")
        Path out;

        @Option(names = "--grid", description = "The grid file: the report ends with the runs it plans that have no summary yet.")
        Path grid;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter w = spec.commandLine().getOut();
            w.print(ExperimentReport.write(summaries, out == null ? summaries : out, grid == null ? null : Grid.read(grid)));
            w.flush();
            return 0;
        }
    }
}
