package dev.dcft.adapters;

import static dev.dcft.testing.AdapterFixtures.lastHidden;
import static dev.dcft.testing.AdapterFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.cli.Main;
import dev.dcft.io.HostTensor;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save, load and merge round trips in PEFT's layout, on a tiny random BERT. */
class AdapterFilesTest {
    @TempDir
    Path tmp;
    Path base;

    @BeforeEach
    void tiny() throws Exception {
        base = tmp.resolve("base");
        TestModels.writeTinyHfDirectory(base, false, 21);
    }

    static AdapterSpec dcft() {
        return AdapterSpec.of(new DcftConfig(4, 2, 2, 3, DcftConfig.Init.GAUSSIAN, 0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));
    }

    static AdapterSpec lora() {
        return AdapterSpec.of(new LoraConfig(4, 8, 0.1, TargetModules.names(List.of("query", "value"))));
    }

    /** Builds an adapter with non-trivial values, saves it, returns the unmerged outputs. */
    private float[] saveAdapter(AdapterSpec spec, Path dir) throws Exception {
        try (LoadedModel m = ModelLoader.load(base.toString())) {
            Adapters.apply(m.model(), spec, m.manager(), 1);
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 2, 0.3);
            PeftAdapterFiles.save(dir, spec, base.toString(), m.model(), Map.of(), List.of(), null, false);
            return lastHidden(m);
        }
    }

    @Test
    void dcftSaveLoadAndMergeRoundTrip() throws Exception {
        roundTrip(dcft());
    }

    @Test
    void loraSaveLoadAndMergeRoundTrip() throws Exception {
        roundTrip(lora());
    }

    private void roundTrip(AdapterSpec spec) throws Exception {
        Path adapter = tmp.resolve("adapter");
        float[] unmerged = saveAdapter(spec, adapter);
        float[] plain;
        try (LoadedModel m = ModelLoader.load(base.toString())) {
            plain = lastHidden(m);
            PeftAdapterFiles.attach(m.model(), PeftAdapterFiles.load(adapter), m.manager());
            double d = maxAbsDiff(unmerged, lastHidden(m));
            assertTrue(d <= 1e-6, "reloaded adapter " + d);
        }
        assertTrue(maxAbsDiff(plain, unmerged) > 1e-3, "the adapter changes the output");

        Path merged = tmp.resolve("merged");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        try (LoadedModel m = ModelLoader.load(merged.toString())) {
            double d = maxAbsDiff(unmerged, lastHidden(m));
            assertTrue(d <= 1e-5, "merged model " + d);
            assertTrue(m.model().namedParameters().keySet().stream().noneMatch(k -> k.contains("base_layer") || k.contains("lora_")));
        }
    }

    /** The keys and config fields PEFT writes for a LoRA adapter on a BertModel. */
    @Test
    void loraFileHasPeftKeysAndFields() throws Exception {
        Path adapter = tmp.resolve("lora");
        saveAdapter(lora(), adapter);
        JsonNode config = new ObjectMapper().readTree(Files.readString(adapter.resolve("adapter_config.json")));
        Set<String> fields = new TreeSet<>();
        config.fieldNames().forEachRemaining(fields::add);
        assertEquals(new TreeSet<>(List.of("alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out",
                "inference_mode", "init_lora_weights", "layers_pattern", "layers_to_transform", "lora_alpha", "lora_dropout",
                "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora",
                "use_rslora")), fields);
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals(8, config.get("lora_alpha").asInt());
        assertEquals(0.1, config.get("lora_dropout").asDouble());
        assertEquals("none", config.get("bias").asText());
        assertEquals(List.of("query", "value"), List.of(config.get("target_modules").get(0).asText(), config.get("target_modules").get(1).asText()));
        assertEquals(base.toString(), config.get("base_model_name_or_path").asText());

        Map<String, HostTensor> t = SafetensorsReader.read(adapter.resolve("adapter_model.safetensors"));
        Set<String> want = new TreeSet<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String m : List.of("query", "value")) {
                for (String ab : List.of("lora_A", "lora_B")) {
                    want.add("base_model.model.encoder.layer." + layer + ".attention.self." + m + "." + ab + ".weight");
                }
            }
        }
        assertEquals(want, new TreeSet<>(t.keySet()));
        assertArrayEquals(new long[] {4, 16}, t.get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").shape());
        assertArrayEquals(new long[] {16, 4}, t.get("base_model.model.encoder.layer.0.attention.self.query.lora_B.weight").shape());
    }

    @Test
    void dcftFileLayout() throws Exception {
        Path adapter = tmp.resolve("dcft");
        saveAdapter(dcft(), adapter);
        JsonNode config = new ObjectMapper().readTree(Files.readString(adapter.resolve("adapter_config.json")));
        assertEquals("DCFT", config.get("peft_type").asText());
        assertEquals(4, config.get("kernel_size").asInt());
        assertEquals(2, config.get("stride").asInt());
        assertEquals(2, config.get("r").asInt());
        assertEquals(3, config.get("alpha").asInt());
        assertEquals("gaussian", config.get("init_weights").asText());
        assertEquals(6, config.get("target_modules").size());
        Map<String, HostTensor> t = SafetensorsReader.read(adapter.resolve("adapter_model.safetensors"));
        assertEquals(2 * 6 * 3, t.size());
        // intermediate.dense: in 16 -> n_in 7; out 32 -> n_out 15 (d 4, t 2)
        String p = "base_model.model.encoder.layer.1.intermediate.dense.";
        assertArrayEquals(new long[] {2, 7}, t.get(p + "dcft_A.weight").shape());
        assertArrayEquals(new long[] {15, 2}, t.get(p + "dcft_B.weight").shape());
        assertArrayEquals(new long[] {4, 4}, t.get(p + "dcft_C.weight").shape());
        for (Iterator<String> it = t.keySet().iterator(); it.hasNext();) {
            assertTrue(it.next().matches("base_model\\.model\\.encoder\\.layer\\.\\d\\..+\\.dcft_[ABC]\\.weight"));
        }
    }
}
