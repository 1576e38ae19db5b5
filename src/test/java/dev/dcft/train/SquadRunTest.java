package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQuAD through the CLI: train, predictions for every question, eval reproducing metrics.json, predict; v2.0 with null odds. */
class SquadRunTest {
    @TempDir
    Path tmp;

    @Test
    void squadV1EndToEnd() throws Exception {
        Path run = tmp.resolve("squad");
        CliRunner.Result r = CliRunner.run("train", "--task", "squad", "--data", SharedData.root().toString(), "--method", "dcft",
                "--max-steps", "4", "--batch", "8", "--max-len", "128", "--doc-stride", "32", "--train-limit", "40", "--eval-limit", "30",
                "--threads", "2", "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("not official SQuAD numbers"), r.out());
        ObjectMapper json = new ObjectMapper();
        JsonNode metrics = json.readTree(run.resolve("metrics.json").toFile());
        assertTrue(metrics.get("best").has("exact_match") && metrics.get("best").has("f1"), metrics.toString());
        JsonNode preds = json.readTree(run.resolve("predictions.json").toFile());
        assertEquals(30, preds.size(), "every evaluation question gets a prediction");
        assertTrue(SafetensorsReader.read(run.resolve("adapter/adapter_model.safetensors")).containsKey("base_model.model.qa_outputs.weight"));
        assertEquals("QUESTION_ANS", json.readTree(run.resolve("adapter/adapter_config.json").toFile()).get("task_type").asText());
        CliRunner.Result eval = CliRunner.run("eval", "--run", run.toString(), "--data", SharedData.root().toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains(String.format("exact_match %.4f", metrics.get("best").get("exact_match").asDouble())), eval.out());
        assertTrue(eval.out().contains(String.format("f1 %.4f", metrics.get("best").get("f1").asDouble())), eval.out());
        CliRunner.Result p = CliRunner.run("predict", "--run", run.toString(), "--question", "Where did the cat sit?",
                "--context", "The cat sat on the mat in the kitchen.");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("score") && (p.out().contains("span [") || p.out().contains("no answer")), p.out());
    }

    @Test
    void squadV2WithGeneratedUnanswerableQuestions() throws Exception {
        Path run = tmp.resolve("squad2");
        CliRunner.Result r = CliRunner.run("train", "--task", "squad2", "--data", SharedData.root().toString(), "--method", "lora",
                "--rank", "1", "--max-steps", "3", "--batch", "8", "--max-len", "128", "--doc-stride", "32", "--train-limit", "40",
                "--eval-limit", "30", "--threads", "2", "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("generated unanswerable"), r.out());
        JsonNode best = new ObjectMapper().readTree(run.resolve("metrics.json").toFile()).get("best");
        for (String k : new String[] {"exact", "f1", "total", "best_exact", "best_exact_thresh", "best_f1", "best_f1_thresh"}) {
            assertTrue(best.has(k), k + " in " + best);
        }
        assertEquals(30, new ObjectMapper().readTree(run.resolve("null_odds.json").toFile()).size());
        assertTrue(best.has("HasAns_exact") && best.has("NoAns_exact"), "both kinds among the first 30: " + best);
    }

    @Test
    void missingSquadDataSaysWhereAndHow() {
        CliRunner.assertOneLineError(CliRunner.run("train", "--task", "squad", "--data", tmp.toString(), "--max-steps", "1",
                "--out", tmp.resolve("run").toString()), "squad/v1.1/dev.json", "missing SQuAD v1.1 dev.json");
    }
}
