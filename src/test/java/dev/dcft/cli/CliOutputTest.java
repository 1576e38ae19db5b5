package dev.dcft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CliOutputTest {
    @Test
    void infoJsonDescribesMiniLm() throws Exception {
        dev.dcft.testing.CliRunner.Result r = BadInputTest.cli("info", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(6, j.get("layers").asInt());
        assertEquals(384, j.get("hidden_size").asInt());
        assertEquals(12, j.get("attention_heads").asInt());
        assertEquals(1536, j.get("intermediate_size").asInt());
        long sum = 0;
        for (JsonNode n : j.get("parameters_by_module_type")) {
            sum += n.asLong();
        }
        assertEquals(j.get("parameters").asLong(), sum);
        // 30522*384 + 512*384 + 2*384 + 2*384 + 6 * (4*(384*384+384) + 2*2*384 + 384*1536+1536 + 1536*384+384)
        assertEquals(22_565_376L, j.get("parameters").asLong());
        assertEquals(6L * (384 * 384 + 384), j.get("parameters_by_module_type").get("encoder.layer.*.attention.self.query").asLong());
    }

    @Test
    void embedJsonHasModelDimAndUnitVectors() throws Exception {
        dev.dcft.testing.CliRunner.Result r = BadInputTest.cli("embed", "--json", "first text", "second text");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("minilm-l6", j.get("model").asText());
        assertEquals(384, j.get("dim").asInt());
        assertEquals(2, j.get("embeddings").size());
        for (JsonNode v : j.get("embeddings")) {
            assertEquals(384, v.size());
            double norm = 0;
            for (JsonNode x : v) {
                norm += x.asDouble() * x.asDouble();
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
        assertTrue(r.err().isBlank(), "no engine chatter: " + r.err());
    }
}
