package dev.dcft.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SaveMode;

/**
 * Rows per second of {@link DcftPredictor} on Spark {@code local[2]} against {@code dcft predict --input} with 2 threads,
 * the same JSONL rows in and JSONL out, paired in one process and interleaved (the order alternating round by round), and
 * how many times the model was loaded (README, "On a Spark cluster"; BENCHMARKS.md). The CLI is timed as a user runs it,
 * model load included; Spark's first round loads the model on the executor, later rounds reuse it.
 *
 * <pre>scripts/spark-bench.sh --run RUN --copies 4 --rounds 3 --out results/bench/spark-predictor.json</pre>
 */
public final class PredictorBench {
    private PredictorBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--copies", "4", "--rounds", "3", "--partitions", "4",
                "--data", "../shared/data", "--out", "results/bench/spark-predictor.json"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!a.containsKey("--run")) {
            throw new IllegalArgumentException("usage: PredictorBench --run RUN [--copies 4] [--rounds 3] [--out FILE]");
        }
        Path run = Path.of(a.get("--run"));
        int copies = Integer.parseInt(a.get("--copies"));
        int rounds = Integer.parseInt(a.get("--rounds"));
        int partitions = Integer.parseInt(a.get("--partitions"));
        Path work = Files.createTempDirectory("dcft-spark-bench-");
        Path in = work.resolve("in.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        List<String> sst2 = Files.readAllLines(Path.of(a.get("--data")).resolve("glue/SST-2/dev.tsv"));
        for (int c = 0; c < copies; c++) {
            for (String l : sst2.subList(1, sst2.size())) {
                lines.add(json.writeValueAsString(Map.of("text", l.split("\t")[0])));
            }
        }
        Files.write(in, lines);
        int rows = lines.size();

        SparkSession spark = SparkSession.builder().master("local[2]").appName("dcft predictor bench").config("spark.ui.enabled", "false")
                .getOrCreate();
        List<Double> cliMs = new ArrayList<>();
        List<Double> sparkMs = new ArrayList<>();
        List<Integer> loadsAfter = new ArrayList<>();
        try {
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    boolean cliNow = (k == 0) == (r % 2 == 0);
                    long t0 = System.nanoTime();
                    if (cliNow) {
                        StringWriter err = new StringWriter();
                        int code = Main.run(new String[] {"--threads", "2", "predict", "--run", run.toString(), "--input", in.toString(),
                            "--output", work.resolve("cli.jsonl").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
                        if (code != 0) {
                            throw new IllegalStateException("dcft predict failed: " + err);
                        }
                        cliMs.add((System.nanoTime() - t0) / 1e6);
                    } else {
                        Dataset<Row> df = spark.read().json(in.toString()).repartition(partitions);
                        new DcftPredictor().setAdapter(run.toString()).setBatchSize(64).setLabelCol("predicted").transform(df)
                                .write().mode(SaveMode.Overwrite).json(work.resolve("spark-out").toString());
                        sparkMs.add((System.nanoTime() - t0) / 1e6);
                        loadsAfter.add(ExecutorModels.loads());
                    }
                }
                System.out.printf("round %d: dcft predict %.0f ms, DcftPredictor %.0f ms (models loaded so far: %d)%n", r + 1,
                        cliMs.get(r), sparkMs.get(r), loadsAfter.get(r));
            }
        } finally {
            spark.stop();
        }
        double cliMedian = median(cliMs);
        double sparkMedian = median(sparkMs);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "rows per second labelling SST-2 dev x " + copies + " (" + rows + " rows, JSONL in and out): dcft predict --input"
                + " --threads 2 (model load included) vs DcftPredictor on local[2], " + partitions + " partitions, batch 64; rounds"
                + " interleaved, order alternating");
        out.put("machine", dev.dcft.engine.Machine.describe());
        out.put("run", run.toString());
        out.put("rows", rows);
        out.put("cli_ms", cliMs);
        out.put("spark_ms", sparkMs);
        out.put("model_loads_after_each_spark_round", loadsAfter);
        out.put("cli_rows_per_second", Math.round(rows / (cliMedian / 1000) * 10) / 10.0);
        out.put("spark_rows_per_second", Math.round(rows / (sparkMedian / 1000) * 10) / 10.0);
        out.put("spark_over_cli_rows_per_second", Math.round(cliMedian / sparkMedian * 1000) / 1000.0);
        Path file = Path.of(a.get("--out"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
        System.out.printf("median: dcft predict %.0f rows/s, DcftPredictor %.0f rows/s (%.3fx); models loaded: %d -> %s%n",
                rows / (cliMedian / 1000), rows / (sparkMedian / 1000), cliMedian / sparkMedian, ExecutorModels.loads(), file);
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
