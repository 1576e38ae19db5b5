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

    /** Holdout runs form the selection table: per method, the best mean over tasks among configurations run on every task. */
    @Test
    void selectionTablePicksTheBestCompleteConfigurationPerMethod() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path dir = tmp.resolve("summaries");
        Files.createDirectories(dir);
        Object[][] runs = {
            {"rte", "dcft-d8", 0.01, null, 0.60}, {"mrpc", "dcft-d8", 0.01, null, 0.80},
            {"rte", "dcft-d8", 0.01, 0.001, 0.70}, {"mrpc", "dcft-d8", 0.01, 0.001, 0.78},
            {"rte", "dcft-d8", 0.03, 0.001, 0.90}, // best on RTE but never run on MRPC: partial, not selected
            {"rte", "lora-r1", 0.003, null, 0.65}, {"mrpc", "lora-r1", 0.003, null, 0.82}};
        int i = 0;
        for (Object[] r : runs) {
            ObjectNode o = json.createObjectNode();
            o.put("id", "run" + i++);
            o.put("grid", "g");
            o.put("tag", "sel");
            o.put("task", (String) r[0]);
            o.put("method", (String) r[1]);
            o.put("seed", 1);
            o.put("evaluated_on", "holdout");
            o.putObject("final").put("score", (Double) r[4]);
            o.putObject("best").put("score", (Double) r[4]);
            ObjectNode recipe = o.putObject("recipe");
            recipe.put("lr", (Double) r[2]);
            if (r[3] == null) {
                recipe.putNull("headLr");
            } else {
                recipe.put("headLr", (Double) r[3]);
            }
            Files.writeString(dir.resolve(o.get("id").asText() + ".json"), o.toString());
        }
        String md = ExperimentReport.write(dir, tmp.resolve("out"));
        assertTrue(md.contains("| dcft-d8 | lr 0.01, head 0.001 | 70.00 | 78.00 | 74.00 | **selected** |"), md);
        assertTrue(md.contains("| dcft-d8 | lr 0.01, head 0.01 (= lr) | 60.00 | 80.00 | 70.00 | |"), md);
        assertTrue(md.contains("| dcft-d8 | lr 0.03, head 0.001 | 90.00 | - | 90.00 (1 task) | partial |"), md);
        assertTrue(md.contains("| lora-r1 | lr 0.003, head 0.003 (= lr) | 65.00 | 82.00 | 73.50 | **selected** |"), md);
    }

    /** The main table's methods get a trainable-numbers-against-average chart (params.png) beside chart.png. */
    @Test
    void parametersChartIsWritten() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path dir = tmp.resolve("main");
        Files.createDirectories(dir);
        int i = 0;
        for (String m : List.of("dcft-d8", "lora-r1", "head")) {
            for (String t : List.of("rte", "mrpc")) {
                if (m.equals("head") && t.equals("mrpc")) {
                    continue; // a method without every task is left off the chart
                }
                ObjectNode o = json.createObjectNode();
                o.put("id", t + "-" + m + "-s1");
                o.put("grid", "g");
                o.put("task", t);
                o.put("method", m);
                o.put("seed", 1);
                o.put("trainable_params", m.equals("dcft-d8") ? 25_000 : m.equals("lora-r1") ? 165_000 : 1_500);
                o.putObject("final").put("score", 0.6 + 0.01 * i++);
                o.putObject("best").put("score", 0.7);
                Files.writeString(dir.resolve(o.get("id").asText() + ".json"), o.toString());
            }
        }
        ExperimentReport.write(dir, tmp.resolve("out2"));
        byte[] png = Files.readAllBytes(tmp.resolve("out2").resolve("params.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }
}
