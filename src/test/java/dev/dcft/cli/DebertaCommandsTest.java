package dev.dcft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TinyDeberta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command works with a DeBERTa-v3-style directory, end to end through the CLI. */
class DebertaCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void everyCommandRunsOnDeberta() throws Exception {
        ObjectNode config = TinyDeberta.v3();
        Path model = tmp.resolve("deberta");
        TinyDeberta.write(model, config, TinyDeberta.randomWeights(config, 31));
        ObjectMapper json = new ObjectMapper();

        CliRunner.Result info = CliRunner.run("info", "--model", model.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        assertEquals("deberta-v2", json.readTree(info.out()).get("model_type").asText());

        CliRunner.Result params = CliRunner.run("params", "--model", model.toString(), "--method", "dcft", "--kernel", "4", "--json");
        assertEquals(0, params.code(), params.err());

        CliRunner.Result embed = CliRunner.run("embed", "--model", model.toString(), "--json", "a sentence", "another one");
        assertEquals(0, embed.code(), embed.err());
        assertEquals(16, json.readTree(embed.out()).get("dim").asInt());
        // The same sentences on a bf16 base (disentangled attention, relative embeddings): unit vectors within bf16 error.
        CliRunner.Result embed16 = CliRunner.run("embed", "--model", model.toString(), "--precision", "bf16", "--json", "a sentence",
                "another one");
        assertEquals(0, embed16.code(), embed16.err());
        for (int i = 0; i < 2; i++) {
            JsonNode a = json.readTree(embed.out()).get("embeddings").get(i);
            JsonNode b = json.readTree(embed16.out()).get("embeddings").get(i);
            double dot = 0;
            for (int k = 0; k < 16; k++) {
                dot += a.get(k).asDouble() * b.get(k).asDouble();
            }
            assertTrue(dot > 0.999 && dot < 1.0 + 1e-6, "bf16 vs fp32 embedding cosine " + dot);
        }

        Path run = tmp.resolve("run");
        CliRunner.Result train = CliRunner.run("train", "--task", "sst2", "--model", model.toString(), "--method", "dcft", "--kernel", "4",
                "--max-steps", "3", "--batch", "8", "--train-limit", "48", "--eval-limit", "16", "--threads", "2",
                "--data", SharedData.root().toString(), "--out", run.toString(), "--quiet");
        assertEquals(0, train.code(), train.err());
        JsonNode adapterConfig = json.readTree(run.resolve("adapter").resolve("adapter_config.json").toFile());
        Set<String> targets = new java.util.HashSet<>();
        adapterConfig.get("target_modules").forEach(t -> targets.add(t.asText()));
        assertTrue(targets.contains("query_proj") && targets.contains("value_proj"), "DeBERTa's six matrices: " + targets);
        Set<String> keys = SafetensorsReader.read(run.resolve("adapter").resolve("adapter_model.safetensors")).keySet();
        assertTrue(keys.contains("base_model.model.encoder.layer.1.attention.self.key_proj.dcft_C.weight"), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.contains("pooler.dense")), "the ContextPooler travels with the head: " + keys);

        CliRunner.Result eval = CliRunner.run("eval", "--run", run.toString(), "--data", SharedData.root().toString(), "--json");
        assertEquals(0, eval.code(), eval.err());
        CliRunner.Result predict = CliRunner.run("predict", "--run", run.toString(), "a fine film", "a dull film");
        assertEquals(0, predict.code(), predict.err());
        assertEquals(2, predict.out().strip().lines().count(), predict.out());

        Path merged = tmp.resolve("merged");
        CliRunner.Result merge = CliRunner.run("merge", "--model", model.toString(), "--adapter", run.resolve("adapter").toString(),
                "--out", merged.toString());
        assertEquals(0, merge.code(), merge.err());
        CliRunner.Result reload = CliRunner.run("info", "--model", merged.toString());
        assertEquals(0, reload.code(), reload.err());

        Path exported = tmp.resolve("exported");
        assertEquals(0, CliRunner.run("export", "--model", model.toString(), "--out", exported.toString()).code());
        assertTrue(Files.exists(exported.resolve("model.safetensors")));

        CliRunner.Result bench = CliRunner.run("bench", "--model", model.toString(), "--batch", "2", "--seq", "8", "--steps", "1",
                "--warmup", "0", "--methods", "floor,dcft-d4", "--no-inference", "--json");
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.out().contains("dcft-d4"), bench.out());
    }
}
