package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.cli.Main;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** dcft params on a DeBERTaV3-base config prints SPEC section 3's numbers exactly. */
class ParamsCommandTest {
    @TempDir
    static Path tmp;

    static Path debertaConfig() throws Exception {
        Path f = tmp.resolve("deberta-v3-base.json");
        if (!Files.exists(f)) {
            Files.writeString(f, "{\"model_type\": \"deberta-v2\", \"hidden_size\": 768, \"num_hidden_layers\": 12,"
                    + " \"num_attention_heads\": 12, \"intermediate_size\": 3072, \"vocab_size\": 128100}");
        }
        return f;
    }

    static JsonNode params(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "params";
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = "--json";
        assertEquals(0, Main.run(all, new PrintWriter(out), new PrintWriter(err)), err.toString());
        return new ObjectMapper().readTree(out.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "d=2, 2, 2, 83232",
        "d=4, 4, 4, 42624",
        "d=6, 6, 6, 30240",
        "d=8, 8, 8, 25344",
        "d=12, 12, 12, 24192",
        "d=8 stride 1, 8, 1, 169488",
        "d=8 stride 2, 8, 2, 87120",
        "d=8 stride 4, 8, 4, 45936"})
    void dcftOnDebertaV3Base(String label, int d, int t, long expected) throws Exception {
        JsonNode j = params("--model", debertaConfig().toString(), "--method", "dcft", "--kernel", "" + d, "--stride", "" + t);
        assertEquals("dcft", j.get("method").asText());
        assertEquals(expected, j.get("trainable").asLong());
        assertEquals(72, j.get("adapted_matrices").asInt());
        long sum = 0;
        for (JsonNode n : j.get("per_module")) {
            sum += n.asLong();
        }
        assertEquals(expected, sum);
    }

    @Test
    void loraRank1OnDebertaV3Base() throws Exception {
        JsonNode j = params("--model", debertaConfig().toString(), "--method", "lora", "--rank", "1");
        assertEquals(165888, j.get("trainable").asLong());
        assertEquals(12L * 768 * 2, j.get("per_module").get("attention.self.query_proj").asLong());
    }

    /** The configuration-only count equals the count of the adapters actually injected into MiniLM. */
    @Test
    void configCountEqualsInjectedCount() throws Exception {
        JsonNode dcft = params("--model", "minilm-l6", "--kernel", "4", "--stride", "2", "--rank", "2");
        JsonNode lora = params("--model", "minilm-l6", "--method", "lora", "--rank", "8");
        try (LoadedModel m = ModelLoader.load("minilm-l6")) {
            Adapters.apply(m.model(), AdapterSpec.of(new DcftConfig(4, 2, 2, 4, DcftConfig.Init.GAUSSIAN, 0,
                    TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), m.manager(), 0);
            long trainable = m.model().namedParameters().values().stream().filter(p -> p.trainable()).mapToLong(p -> p.numel()).sum();
            assertEquals(dcft.get("trainable").asLong(), trainable);
            assertEquals(trainable, Adapters.adapterParameterCount(m.model()));
        }
        try (LoadedModel m = ModelLoader.load("minilm-l6")) {
            Adapters.apply(m.model(), AdapterSpec.of(new LoraConfig(8, 16, 0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), m.manager(), 0);
            long trainable = m.model().namedParameters().values().stream().filter(p -> p.trainable()).mapToLong(p -> p.numel()).sum();
            assertEquals(lora.get("trainable").asLong(), trainable);
            // the shipped config.json agrees with the one read from the ONNX graph
            assertEquals(m.model().config().toJson().get("intermediate_size"), dev.dcft.model.Architectures.configOf("minilm-l6").get("intermediate_size"));
        }
    }
}
