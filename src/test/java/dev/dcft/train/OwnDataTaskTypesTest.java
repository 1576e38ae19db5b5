package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression (STS-B as CSV) and multi-label (a generated set) end to end; a run killed before its first checkpoint resumes. */
class OwnDataTaskTypesTest {
    @TempDir
    Path tmp;

    @Test
    void regressionFromStsbCsv() throws Exception {
        List<String> lines = Files.readAllLines(SharedData.root().resolve("glue/STS-B/train.tsv"), StandardCharsets.UTF_8);
        List<String> header = List.of(lines.get(0).split("\t"));
        int a = header.indexOf("sentence1");
        int b = header.indexOf("sentence2");
        int s = header.indexOf("score");
        StringBuilder sb = new StringBuilder("sentence1,sentence2,score\n");
        for (String l : lines.subList(1, 801)) {
            String[] f = l.split("\t");
            sb.append('"').append(f[a].replace("\"", "\"\"")).append("\",\"").append(f[b].replace("\"", "\"\"")).append("\",").append(f[s]).append('\n');
        }
        Path csv = tmp.resolve("stsb.csv");
        Files.writeString(csv, sb.toString());
        Path run = tmp.resolve("reg");
        CliRunner.Result r = CliRunner.run("train", "--train", csv.toString(), "--max-steps", "20", "--batch", "16", "--threads", "2",
                "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("task type: regression (inferred") && r.out().contains("pair 'sentence2'"), r.out());
        assertTrue(r.out().contains("random 10%"), "the split is said: " + r.out());
        JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        assertTrue(m.get("final").has("pearson") && m.get("final").has("spearman"), m.toString());
        Path out = tmp.resolve("reg.csv");
        CliRunner.Result p = CliRunner.run("predict", "--run", run.toString(), "--input", csv.toString(), "--text-pair-column", "sentence2",
                "--output", out.toString());
        assertEquals(0, p.code(), p.err());
        List<String> preds = Files.readAllLines(out);
        assertEquals("score", preds.get(0));
        assertEquals(801, preds.size(), "header + one line per row");
        Double.parseDouble(preds.get(1));
    }

    @Test
    void multiLabelFromGeneratedJsonl() throws Exception {
        String[][] topics = {{"match", "goal", "team", "coach"}, {"pizza", "recipe", "chef", "dinner"}, {"laptop", "code", "chip", "cloud"}};
        String[] names = {"sport", "food", "tech"};
        SplittableRandom rng = new SplittableRandom(3);
        StringBuilder sb = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 400; i++) {
            List<String> labels = new java.util.ArrayList<>();
            StringBuilder text = new StringBuilder("today");
            for (int k = 0; k < 3; k++) {
                if (rng.nextDouble() < 0.45) {
                    labels.add(names[k]);
                    text.append(' ').append(topics[k][rng.nextInt(4)]).append(' ').append(topics[k][rng.nextInt(4)]);
                }
            }
            sb.append(json.writeValueAsString(java.util.Map.of("text", text.toString(), "labels", labels))).append('\n');
        }
        Path file = tmp.resolve("topics.jsonl");
        Files.writeString(file, sb.toString());
        Path run = tmp.resolve("ml");
        CliRunner.Result r = CliRunner.run("train", "--train", file.toString(), "--max-steps", "60", "--batch", "16", "--lr", "2e-2",
                "--threads", "2", "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("task type: multi-label (inferred"), r.out());
        JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        double micro = m.get("best").get("micro_f1").asDouble();
        System.out.printf("multi-label (3 topics, 60 steps): micro-F1 %.3f, macro-F1 %.3f%n", micro, m.get("best").get("macro_f1").asDouble());
        assertTrue(micro >= 0.8, "micro-F1 " + micro);
        CliRunner.Result p = CliRunner.run("predict", "--run", run.toString(), "today pizza chef laptop code");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("food|tech\t"), p.out());
    }

    @Test
    void runKilledBeforeItsFirstCheckpointRestartsOnResume() throws Exception {
        Path csv = tmp.resolve("tiny.csv");
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < 40; i++) {
            sb.append(i % 2 == 0 ? "good film " : "bad film ").append(i).append(',').append(i % 2 == 0 ? "pos" : "neg").append('\n');
        }
        Files.writeString(csv, sb.toString());
        Path run = tmp.resolve("killed");
        // What a kill before the first checkpoint leaves: the configuration and perhaps some log lines.
        CliRunner.Result first = CliRunner.run("train", "--train", csv.toString(), "--max-steps", "4", "--batch", "8", "--threads", "2",
                "--out", run.toString(), "--quiet");
        assertEquals(0, first.code(), first.err());
        dev.dcft.io.AtomicFiles.deleteTree(run.resolve("checkpoint"));
        Files.delete(run.resolve("metrics.json"));
        dev.dcft.io.AtomicFiles.deleteTree(run.resolve("adapter"));
        CliRunner.Result resumed = CliRunner.run("train", "--resume", "--out", run.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("restarting the run from its saved configuration"), resumed.out());
        assertTrue(Files.exists(run.resolve("metrics.json")));
        assertEquals(4, Files.readAllLines(run.resolve("log.jsonl")).size(), "the log starts over");
        assertFalse(resumed.out().contains("error"), resumed.out());
    }
}
