package dev.dcft.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run summary keeps what RESULTS may quote: every evaluation with its one-class flag, and early and periodic losses. */
class SummaryHistoryTest {
    @TempDir
    Path tmp;

    @Test
    void historyAndLossesComeFromTheLog() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int s = 1; s <= 120; s++) {
            String eval = s % 40 == 0 ? ",\"eval_accuracy\":0.5,\"eval_score\":0.5,\"eval_one_class\":" + (s == 40) : "";
            lines.add("{\"step\":" + s + ",\"epoch\":" + s / 40.0 + ",\"loss\":" + (1.0 / s) + ",\"lr\":0.01,\"grad_norm\":1.5,"
                    + "\"grad_norm_adapter\":0.5,\"grad_norm_head\":1.4" + eval + "}");
        }
        lines.add("{\"step\":121,\"epoch\":3.025,\"loss\":0.1,\"lr\":0.0,\"grad_norm\":1.0}");
        Path log = tmp.resolve("log.jsonl");
        Files.write(log, lines);
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        ExperimentRunner.history(o, log);
        JsonNode h = o.get("history");
        assertEquals(3, h.size());
        assertEquals(40, h.get(0).get("step").asInt());
        assertEquals(1.0, h.get(0).get("epoch").asDouble());
        assertTrue(h.get(0).get("one_class").asBoolean());
        assertFalse(h.get(1).get("one_class").asBoolean());
        assertEquals(0.5, h.get(2).get("accuracy").asDouble());
        assertEquals(1, o.get("one_class_evaluations").asInt());
        List<Integer> steps = new ArrayList<>();
        o.get("train_loss").forEach(n -> steps.add(n.get("step").asInt()));
        List<Integer> want = new ArrayList<>();
        for (int s = 1; s <= 20; s++) {
            want.add(s);
        }
        want.addAll(List.of(50, 100, 121));
        assertEquals(want, steps);
        JsonNode first = o.get("train_loss").get(0);
        assertEquals(1.0, first.get("loss").asDouble());
        assertEquals(0.5, first.get("grad_norm_adapter").asDouble());
        assertEquals(1.4, first.get("grad_norm_head").asDouble());
    }
}
