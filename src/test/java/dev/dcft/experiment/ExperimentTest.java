package dev.dcft.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcft experiment}: grid order, skip and resume, summaries, and the report rebuilt from summaries alone. */
class ExperimentTest {
    @TempDir
    Path tmp;

    @Test
    void gridRunsResumesSkipsAndReports() throws Exception {
        Path model = tmp.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 3);
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> grid = Map.of("name", "tiny-glue", "model", model.toString(),
                "common", List.of("--batch", "8", "--max-steps", "2", "--train-limit", "32", "--eval-limit", "16", "--lr", "5e-3", "--save-every", "1",
                        "--data", SharedData.root().toString()),
                "tasks", Map.of("*", List.of("--max-len", "32")),
                "methods", Map.of("dcft-d4", List.of("--method", "dcft", "--kernel", "4"), "lora-r1", List.of("--method", "lora", "--rank", "1")),
                "stages", List.of(
                        Map.of("name", "lr sweep", "priority", 0, "tasks", List.of("rte"), "methods", List.of("dcft-d4"), "seeds", List.of(1),
                                "tag", "lr1e-2", "extra", List.of("--lr", "1e-2")),
                        Map.of("name", "main", "priority", 1, "tasks", List.of("rte", "mrpc"), "methods", List.of("dcft-d4", "lora-r1"),
                                "seeds", List.of(1, 2, 3))));
        Path file = tmp.resolve("grid.json");
        Files.writeString(file, json.writeValueAsString(grid));

        Grid g = Grid.read(file);
        List<String> ids = g.runs().stream().map(Grid.Run::id).toList();
        assertEquals(13, ids.size());
        assertEquals("rte-dcft-d4-lr1e-2-s1", ids.get(0));
        assertTrue(ids.indexOf("mrpc-lora-r1-s2") < ids.indexOf("rte-dcft-d4-s3"), "second seeds before third: " + ids);
        List<String> args = g.trainArgs(g.runs().get(0));
        assertEquals(1, args.stream().filter("--lr"::equals).count(), "the sweep's --lr replaces the common one: " + args);
        assertEquals("1e-2", args.get(args.indexOf("--lr") + 1));

        Path runs = tmp.resolve("runs");
        Path summaries = tmp.resolve("summaries");
        CliRunner.Result r = CliRunner.run("experiment", "run", file.toString(), "--runs", runs.toString(), "--summaries", summaries.toString(),
                "--threads", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("13 done, 0 already done, 0 failed"), "out: " + r.out() + " err: " + r.err());
        JsonNode s = json.readTree(summaries.resolve("mrpc-lora-r1-s2.json").toFile());
        assertEquals("mrpc", s.get("task").asText());
        assertEquals("lora-r1", s.get("method").asText());
        assertEquals(2, s.get("seed").asInt());
        assertEquals("fp32", s.get("precision").asText());
        assertTrue(s.get("final").has("f1") && s.get("best").has("score") && s.get("wall_seconds").asDouble() > 0, s.toString());
        assertEquals(2, s.get("recipe").get("maxSteps").asInt());

        CliRunner.Result again = CliRunner.run("experiment", "run", file.toString(), "--runs", runs.toString(), "--summaries", summaries.toString());
        assertTrue(again.out().contains("0 done, 13 already done"), again.out());

        // A run whose summary is missing but whose directory holds a checkpoint (a killed session) is resumed.
        byte[] before = Files.readAllBytes(summaries.resolve("rte-dcft-d4-s3.json"));
        Files.delete(summaries.resolve("rte-dcft-d4-s3.json"));
        assertTrue(Files.isDirectory(runs.resolve("rte-dcft-d4-s3").resolve("checkpoint")));
        CliRunner.Result resumed = CliRunner.run("experiment", "run", file.toString(), "--runs", runs.toString(), "--summaries", summaries.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming rte-dcft-d4-s3") && resumed.out().contains("1 done, 12 already done"), "out: " + resumed.out() + " err: " + resumed.err());
        JsonNode a = json.readTree(before);
        JsonNode b = json.readTree(summaries.resolve("rte-dcft-d4-s3.json").toFile());
        assertEquals(a.get("final"), b.get("final"), "resuming a finished run reproduces its result");

        CliRunner.Result report = CliRunner.run("experiment", "report", "--summaries", summaries.toString(), "--out", tmp.resolve("report").toString());
        assertEquals(0, report.code(), report.err());
        String md = Files.readString(tmp.resolve("report").resolve("report.md"));
        assertTrue(md.contains("| dcft-d4 |") && md.contains("± ") && md.contains("(n=3)") && md.contains("rte-dcft-d4-lr1e-2-s1"), md);
        byte[] png = Files.readAllBytes(tmp.resolve("report").resolve("chart.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void processPerRunTrainsInAChildJvm() throws Exception {
        Path model = tmp.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 3);
        Map<String, Object> grid = Map.of("name", "tiny-fork", "model", model.toString(),
                "common", List.of("--batch", "8", "--max-steps", "2", "--train-limit", "16", "--eval-limit", "8", "--max-len", "32",
                        "--data", SharedData.root().toString()),
                "methods", Map.of("dcft-d4", List.of("--method", "dcft", "--kernel", "4")),
                "stages", List.of(Map.of("name", "main", "priority", 1, "tasks", List.of("rte"), "methods", List.of("dcft-d4"),
                        "seeds", List.of(1))));
        Path file = tmp.resolve("grid.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(grid));
        Path summaries = tmp.resolve("summaries");
        CliRunner.Result r = CliRunner.run("experiment", "run", file.toString(), "--runs", tmp.resolve("runs").toString(),
                "--summaries", summaries.toString(), "--threads", "1", "--process-per-run");
        assertEquals(0, r.code(), r.err() + r.out());
        // The trainer's own closing line comes from the child JVM, through the driver's output.
        assertTrue(r.out().contains("done: ") && r.out().contains("1 done, 0 already done, 0 failed"), "out: " + r.out() + " err: " + r.err());
        assertEquals("rte", new ObjectMapper().readTree(summaries.resolve("rte-dcft-d4-s1.json").toFile()).get("task").asText());
    }

    @Test
    void anInterruptedRunStopsTheGrid() throws Exception {
        Map<String, Object> grid = Map.of("name", "stop", "model", "unused", "common", List.of(),
                "methods", Map.of("lora-r1", List.of("--method", "lora")),
                "stages", List.of(Map.of("name", "main", "priority", 1, "tasks", List.of("rte", "mrpc"), "methods", List.of("lora-r1"),
                        "seeds", List.of(1))));
        Path file = tmp.resolve("grid.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(grid));
        List<List<String>> calls = new ArrayList<>();
        StringWriter log = new StringWriter();
        // 143: the run's JVM ended on SIGTERM (the driver is being stopped); its checkpoint is on disk.
        ExperimentRunner.Outcome o = ExperimentRunner.run(Grid.read(file), tmp.resolve("runs"), tmp.resolve("summaries"), 1e9, null, false, 0,
                args -> {
                    calls.add(args);
                    return 143;
                }, new PrintWriter(log));
        assertEquals(1, calls.size(), "no run starts after an interrupted one: " + log);
        assertEquals(List.of("rte-lora-r1-s1"), o.failed());
        assertTrue(log.toString().contains("interrupted rte-lora-r1-s1 (exit 143)"), log.toString());
    }

    /** Without dcft-spark on the class path (the launcher's), --spark is one line saying what to run instead. */
    @Test
    void sparkWithoutTheSparkModuleSaysHowToRunIt() throws Exception {
        Map<String, Object> grid = Map.of("name", "spark", "model", "unused", "common", List.of(),
                "methods", Map.of("lora-r1", List.of("--method", "lora")),
                "stages", List.of(Map.of("name", "main", "priority", 1, "tasks", List.of("rte"), "methods", List.of("lora-r1"),
                        "seeds", List.of(1))));
        Path file = tmp.resolve("grid.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(grid));
        dev.dcft.testing.CliRunner.assertOneLineError(dev.dcft.testing.CliRunner.run("experiment", "run", file.toString(), "--spark",
                "local[2]", "--runs", tmp.resolve("runs").toString(), "--summaries", tmp.resolve("s").toString()),
                "--spark needs the dcft-spark module", "spark-submit --class dev.dcft.spark.SparkGrid");
    }
}
