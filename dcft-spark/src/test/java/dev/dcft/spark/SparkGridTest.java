package dev.dcft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grid of 4 tiny runs (MiniLM, 8 steps, SST-2 and RTE, DCFT and LoRA) through {@code dcft experiment run --spark
 * local[2]} gives the summaries {@code dcft experiment run} gives on one machine, metrics equal. Then the same grid with
 * one run's first attempt killed (SIGKILL) right after its first checkpoint: Spark retries it ({@code local[2,2]}: two
 * attempts, local mode's spark.task.maxFailures), it resumes from the checkpoint, and its metrics equal the
 * uninterrupted run's.
 */
class SparkGridTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String grid() {
        return """
                {"name": "spark-test", "model": "minilm-l6",
                 "common": ["--batch", "8", "--max-len", "32", "--max-steps", "8", "--save-every", "4", "--eval-every", "1000000",
                            "--eval-limit", "16", "--warmup-ratio", "0", "--data", "../shared/data"],
                 "tasks": {},
                 "methods": {"dcft": ["--method", "dcft", "--kernel", "8", "--lr", "1e-2"],
                             "lora": ["--method", "lora", "--rank", "1", "--lr", "3e-3"]},
                 "stages": [{"name": "tiny", "priority": 0, "tasks": ["sst2", "rte"], "methods": ["dcft", "lora"], "seeds": [1]}]}
                """;
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, String.join(" ", args) + "\n" + out + err);
        return out.toString();
    }

    static JsonNode read(Path p) throws Exception {
        return JSON.readTree(p.toFile());
    }

    /** Best and final metrics, steps and recipe: what two runs of the same plan must agree on. */
    static void assertSameRun(JsonNode a, JsonNode b) {
        for (String k : List.of("id", "task", "method", "seed", "trainable_params", "best", "final", "steps", "recipe", "history",
                "train_loss")) {
            assertEquals(a.get(k), b.get(k), a.get("id") + ": " + k);
        }
    }

    @Test
    void aGridOnSparkEqualsTheGridOnOneMachineAndAKilledRunResumes() throws Exception {
        Path gridFile = tmp.resolve("grid.json");
        Files.writeString(gridFile, grid());
        List<String> ids = List.of("sst2-dcft-s1", "sst2-lora-s1", "rte-dcft-s1", "rte-lora-s1");

        cli("--threads", "1", "experiment", "run", gridFile.toString(), "--runs", tmp.resolve("local-runs").toString(), "--summaries",
                tmp.resolve("local-summaries").toString());

        String out = cli("--threads", "1", "experiment", "run", gridFile.toString(), "--spark", "local[2]", "--runs",
                tmp.resolve("spark-runs").toString(), "--summaries", tmp.resolve("spark-summaries").toUri().toString());
        System.out.print(out);
        assertTrue(out.contains("4 done, 0 already done, 0 failed"), out);
        for (String id : ids) {
            assertSameRun(read(tmp.resolve("local-summaries").resolve(id + ".json")), read(tmp.resolve("spark-summaries").resolve(id + ".json")));
        }
        SparkSession.active().stop();

        // The grid's RTE runs again, the first attempt of one killed after its first checkpoint (at step 4 of 8).
        SparkSession spark = SparkSession.builder().master("local[2,2]").appName("dcft-grid-fault").config("spark.ui.enabled", "false")
                .config("spark.task.cpus", "1").config(SparkGrid.KILL_AFTER_CHECKPOINT, "rte-lora-s1").getOrCreate();
        try {
            StringWriter log = new StringWriter();
            var o = SparkGrid.run(spark, gridFile, tmp.resolve("fault-runs").toString(), tmp.resolve("fault-summaries").toString(), "rte-*",
                    new PrintWriter(log, true));
            assertEquals(List.of("rte-dcft-s1", "rte-lora-s1"), o.done(), log.toString());
        } finally {
            spark.stop();
        }
        String runLog = Files.readString(tmp.resolve("fault-runs").resolve("rte-lora-s1.log"));
        assertTrue(runLog.contains("attempt 0: dcft train --task rte") && runLog.contains("attempt 1: dcft train --resume"),
                "the retried attempt resumed from the checkpoint:\n" + runLog);
        assertTrue(!Files.readString(tmp.resolve("fault-runs").resolve("rte-dcft-s1.log")).contains("attempt 1"), "one run was killed");
        for (String id : List.of("rte-dcft-s1", "rte-lora-s1")) {
            assertSameRun(read(tmp.resolve("local-summaries").resolve(id + ".json")), read(tmp.resolve("fault-summaries").resolve(id + ".json")));
        }
        // The report is rebuilt from Spark's summaries as from one machine's.
        cli("experiment", "report", "--summaries", tmp.resolve("spark-summaries").toString());
        assertTrue(Files.size(tmp.resolve("spark-summaries").resolve("report.md")) > 0);
    }
}
