package dev.dcft.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The user's own data end to end: an SST-2-derived CSV with quoted commas, doubled quotes,
 * newlines, string labels and extra columns trains through the CLI; a JSONL file is labelled in
 * label names; the Java API gives the same predictions as the CLI, from 8 threads as from one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnDataAndJavaApiTest {
    Path tmp;
    Path run;
    List<String> devTexts = new ArrayList<>();

    /** A CSV field, quoted when it must be (RFC 4180). */
    static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** SST-2 rows as id,review,sentiment,source; every 5th text gains a quoted word, every 7th a leading line. */
    private Path sstCsv(String split, int limit, boolean record) throws IOException {
        List<String> lines = Files.readAllLines(SharedData.root().resolve("glue/SST-2/" + split + ".tsv"), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("id,review,sentiment,source\r\n");
        for (int i = 1; i < Math.min(lines.size(), limit + 1); i++) {
            String[] f = lines.get(i).split("\t");
            String text = f[0].strip();
            if (i % 5 == 0) {
                text += ", \"really\"";
            }
            if (i % 7 == 0) {
                text = "note:\n" + text;
            }
            if (record) {
                devTexts.add(text);
            }
            sb.append(i).append(',').append(csv(text)).append(',').append(f[1].equals("1") ? "positive" : "negative")
                    .append(',').append(csv("sst2, \"movie\" reviews")).append("\r\n");
        }
        Path p = tmp.resolve(split + ".csv");
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
        return p;
    }

    @BeforeAll
    void train() throws IOException {
        tmp = Files.createTempDirectory("dcft-own-data");
        Path train = sstCsv("train", 20000, false);
        Path dev = sstCsv("dev", 872, true);
        run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--train", train.toString(), "--dev", dev.toString(), "--text-column", "review",
                "--label-column", "sentiment", "--method", "dcft", "--kernel", "8", "--max-steps", "250", "--batch", "32",
                "--max-len", "64", "--eval-every", "125", "--threads", "2", "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("task type: classification (inferred"), r.out());
        assertTrue(r.out().contains("labels: negative, positive"), r.out());
    }

    @AfterAll
    void clean() throws IOException {
        dev.dcft.io.AtomicFiles.deleteTree(tmp);
    }

    @Test
    void csvTrainsToTheTargetAccuracyAndKeepsLabelNames() throws IOException {
        JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        double acc = m.get("best").get("accuracy").asDouble();
        System.out.printf("own CSV (SST-2, 250 steps of 32): dev accuracy %.4f, macro-F1 %.4f, MCC %.4f%n", acc,
                m.get("best").get("macro_f1").asDouble(), m.get("best").get("matthews_correlation").asDouble());
        assertTrue(acc >= 0.78, "dev accuracy " + acc);
        JsonNode adapter = new ObjectMapper().readTree(run.resolve("adapter/adapter_config.json").toFile());
        assertEquals("negative", adapter.get("id2label").get("0").asText());
        assertEquals(1, adapter.get("label2id").get("positive").asInt());
        assertEquals("single_label_classification", adapter.get("problem_type").asText());
        CliRunner.Result eval = CliRunner.run("eval", "--run", run.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains(String.format("accuracy %.4f", acc)), "eval reproduces metrics.json: " + eval.out());
    }

    @Test
    void jsonlBatchPredictionGivesOneLabelledLinePerRowAndMatchesTheJavaApi() throws Exception {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        List<String> texts = devTexts.subList(0, 100);
        for (String t : texts) {
            sb.append(json.writeValueAsString(java.util.Map.of("review", t, "other", 1))).append('\n');
        }
        Path in = tmp.resolve("inputs.jsonl");
        Files.writeString(in, sb.toString());
        Path out = tmp.resolve("preds.jsonl");
        CliRunner.Result r = CliRunner.run("predict", "--run", run.toString(), "--input", in.toString(), "--text-column", "review",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(texts.size(), lines.size(), "one line per input row");
        try (Classifier c = Dcft.loadRun(run)) {
            List<Prediction> api = c.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                JsonNode line = json.readTree(lines.get(i));
                assertTrue(List.of("negative", "positive").contains(line.get("label").asText()));
                assertEquals(json.readTree(c.toJson(api.get(i))), line, "the Java API and dcft predict agree on row " + i);
            }
            List<Prediction> oneThread = c.predict(texts);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<Prediction>>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int from = t * 12;
                    futures.add(pool.submit(() -> c.predict(texts.subList(from, from + 12))));
                }
                for (int t = 0; t < 8; t++) {
                    List<Prediction> part = futures.get(t).get();
                    for (int i = 0; i < 12; i++) {
                        Prediction a = oneThread.get(t * 12 + i);
                        Prediction b = part.get(i);
                        assertEquals(a.label(), b.label());
                        assertEquals(a.score(), b.score(), 1e-6, "8 threads through one shared base give the same results");
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void javaApiTrainsOnAListOfExamplesAndKeepsThemInTheRun() {
        List<LabeledText> examples = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            examples.add(new LabeledText(i % 2 == 0 ? "a wonderful , moving film " + i : "a dull , tedious mess " + i,
                    i % 2 == 0 ? "good" : "bad"));
        }
        int[] steps = {0};
        Path apiRun = tmp.resolve("api-run");
        try (Classifier c = Dcft.fineTune().model("minilm-l6").dcft(8).examples(examples).steps(30).batchSize(8).learningRate(1e-2)
                .threads(2).progress((s, total, e, l, tps) -> steps[0] = s).run(apiRun)) {
            assertEquals(30, steps[0], "the progress listener saw every step");
            assertEquals(List.of("bad", "good"), c.labels());
            Prediction p = c.predict("a wonderful , moving film");
            assertEquals("good", p.label());
            assertTrue(Files.exists(apiRun.resolve("data/train.jsonl")), "the examples are kept with the run");
        }
        try (Classifier again = Dcft.loadRun(apiRun)) {
            assertEquals("bad", again.predict("a dull , tedious mess").label());
        }
    }
}
