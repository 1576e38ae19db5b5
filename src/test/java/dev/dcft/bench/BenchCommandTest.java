package dev.dcft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dcft bench --json on a tiny random shape: the fields, not the timings. */
class BenchCommandTest {
    static final List<String> METHODS = List.of("frozen", "floor", "dcft-d2", "dcft-d8", "dcft-d8-materialized", "lora-r1", "lora-r8", "full");

    @Test
    void jsonHasEveryField() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "--shape", "2,32,64,4", "--batch", "2", "--seq", "8", "--steps", "2", "--warmup", "0",
            "--layers", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertEquals("random 2,32,64,4", j.get("model").asText());
        assertEquals(2, j.get("batch").asInt());
        assertEquals(8, j.get("seq").asInt());
        assertTrue(j.get("threads").asInt() >= 1);
        assertEquals(METHODS, iterate(j.get("methods")));
        for (String m : METHODS) {
            JsonNode r = j.get("methods").get(m);
            for (String f : List.of("step_ms_median", "step_ms_min", "step_ms_max", "tokens_per_s", "ratio_to_frozen", "ratio_to_floor")) {
                assertTrue(r.get(f).isNumber(), m + "." + f);
            }
            assertTrue(r.get("step_ms_min").asDouble() <= r.get("step_ms_median").asDouble());
            assertTrue(r.get("step_ms_median").asDouble() <= r.get("step_ms_max").asDouble());
        }
        assertEquals(1.0, j.get("methods").get("floor").get("ratio_to_floor").asDouble(), 1e-9);
        assertEquals(1.0, j.get("methods").get("frozen").get("ratio_to_frozen").asDouble(), 1e-9);
        // head only trains the classifier (32 x 2 + 2). DCFT d=8 on 2 layers: the four 32x32 matrices have
        // n = 4 per side (2 * 4 + 64 each), the two 32<->64 ones 4 + 8 + 64.
        long head = j.get("methods").get("frozen").get("trainable_params").asLong();
        assertEquals(32 * 2 + 2, head);
        assertEquals(head + 2L * (4 * (4 + 4 + 64) + 2 * (4 + 8 + 64)), j.get("methods").get("dcft-d8").get("trainable_params").asLong());
        for (String f : List.of("base_ms_median", "merged_ms_median", "unmerged_ms_median", "merged_to_base", "unmerged_to_base")) {
            assertTrue(j.get("inference").get(f).isNumber(), f);
        }
        for (String shape : List.of("768x768", "768x3072")) {
            assertEquals(List.of("frozen", "dcft-d8", "dcft-d8-materialized", "lora-r1"), iterate(j.get("layers").get(shape)));
        }
    }

    @Test
    void isolatedRunsReportPeakMemory() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "--shape", "1,32,64,4", "--batch", "2", "--seq", "8", "--steps", "1", "--warmup", "0",
            "--methods", "frozen,dcft-d8", "--isolate", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(out.toString());
        for (String m : List.of("frozen", "dcft-d8")) {
            assertTrue(j.get("methods").get(m).get("peak_rss_mb").asDouble() > 10, m);
        }
    }

    @Test
    void profileWritesATracePerMethodAndSummarisesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.nio.file.Path traces = dir.resolve("traces");
        int code = Main.run(new String[] {"bench", "--shape", "1,32,64,4", "--batch", "2", "--seq", "8", "--steps", "1", "--warmup", "0",
            "--methods", "floor,dcft-d8", "--no-inference", "--profile", traces.toString(), "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        JsonNode p = new ObjectMapper().readTree(out.toString()).get("profile");
        assertEquals(List.of("floor", "dcft-d8"), iterate(p));
        for (String m : List.of("floor", "dcft-d8")) {
            assertEquals(TrainingStepBench.PROFILED_STEPS, p.get(m).get("traces").size(), m);
            for (int k = 1; k <= TrainingStepBench.PROFILED_STEPS; k++) {
                java.nio.file.Path trace = traces.resolve(m + "." + k + ".trace.json");
                assertTrue(java.nio.file.Files.size(trace) > 0, m);
                assertEquals(trace.toString(), p.get(m).get("traces").get(k - 1).asText());
            }
            assertTrue(p.get(m).get("self_ms_total").asDouble() > 0, m);
            JsonNode top = p.get(m).get("top_ops");
            assertTrue(top.size() > 0 && top.get(0).get("op").asText().length() > 0 && top.get(0).get("calls").asInt() > 0, m);
        }
        assertTrue(p.get("dcft-d8").get("increase_over_floor").size() > 0);
        assertTrue(!p.get("floor").has("increase_over_floor"));
    }

    @Test
    void badMethodIsAClearError() {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "--shape", "1,32,64,4", "--methods", "dcft-x"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(1, code);
        assertTrue(err.toString().contains("unknown benchmark method 'dcft-x'"), err.toString());
    }

    private static List<String> iterate(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * --decoder-shape on a tiny Qwen2 layout (hidden 32, 4 heads of 8, 2 kv heads, ffn 48, 2 layers): the fields, and the
     * trainable counts from the shapes. LoRA r=8 on q (32->32), k and v (32->16), o (32->32), gate and up (32->48), down
     * (48->32): 8 x (in + out) each. DCFT d=8 (r=1): per matrix in/8 + out/8 + 64.
     */
    @Test
    void decoderShapeJson() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> methods = List.of("floor", "dcft-d8", "lora-r8", "floor:bf16", "lora-r8:bf16");
        int code = Main.run(new String[] {"bench", "--decoder-shape", "2,32,48,4,2,320", "--batch", "2", "--seq", "8", "--steps", "2",
            "--warmup", "0", "--methods", String.join(",", methods), "--prompt-tokens", "4", "--new-tokens", "3", "--rounds", "2", "--json"},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertEquals(methods, iterate(j.get("methods")));
        for (String m : methods) {
            JsonNode r = j.get("methods").get(m);
            for (String f : List.of("step_ms_median", "tokens_per_s", "ratio_to_floor", "generation_tokens_per_s_median", "generation_to_base")) {
                assertTrue(r.get(f).isNumber(), m + "." + f);
            }
            assertEquals(m.endsWith(":bf16") ? "bf16" : "fp32", r.get("precision").asText());
        }
        assertEquals(0, j.get("methods").get("floor").get("trainable_params").asLong());
        long lora = 2L * 8 * ((32 + 32) + (32 + 16) + (32 + 16) + (32 + 32) + (32 + 48) + (32 + 48) + (48 + 32));
        assertEquals(lora, j.get("methods").get("lora-r8").get("trainable_params").asLong());
        assertEquals(lora, j.get("methods").get("lora-r8:bf16").get("trainable_params").asLong());
        long dcft = 2L * ((4 + 4 + 64) + 2 * (4 + 2 + 64) + (4 + 4 + 64) + 2 * (4 + 6 + 64) + (6 + 4 + 64));
        assertEquals(dcft, j.get("methods").get("dcft-d8").get("trainable_params").asLong());
        assertEquals(1.0, j.get("methods").get("floor").get("ratio_to_floor").asDouble(), 1e-9);
        assertEquals("q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", j.get("adapted").asText());
    }
}
