package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.engine.Precision;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.testing.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * VeRA against PEFT 0.21 itself: adapters PEFT wrote ({@code scripts/fixtures/make_vera_fixtures.py}, with the
 * shared projections in the file) load in ours and give PEFT's hidden states, unmerged and merged; every
 * field of PEFT's VeraConfig is honoured, accepted or refused by name; {@code dcft params} counts
 * {@code out + r} per adapted matrix on DeBERTaV3-base's shapes.
 */
class VeraTest {
    static final Path ROOT = LoraOptionsTest.ROOT;

    @TempDir
    Path tmp;

    static JsonNode expected() throws IOException {
        return LoraOptionsTest.JSON.readTree(ROOT.resolve("vera-expected.json").toFile());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"bert, vera", "bert, vera_layers", "deberta, vera", "deberta, vera_layers"})
    void peftsVeraAdaptersGivePeftsOutputs(String arch, String name) throws IOException {
        JsonNode e = expected();
        JsonNode want = e.get("models").get(arch).get("adapters").get(name);
        PeftAdapterFiles.LoadedAdapter a = PeftAdapterFiles.load(ROOT.resolve(arch + "-adapters").resolve(name));
        assertEquals("vera", a.spec().methodName());
        assertEquals(Set.of("vera_A", "vera_B"), a.sharedTensors().keySet());
        try (LoadedModel m = ModelLoader.load(ROOT.resolve(arch + "-tiny").toString(), Precision.FP32)) {
            double base = LoraOptionsTest.maxDiff(m, e, want);
            PeftAdapterFiles.attach(m.model(), a, m.manager());
            double unmerged = LoraOptionsTest.maxDiff(m, e, want);
            Adapters.mergeAndUnload(m.model());
            double merged = LoraOptionsTest.maxDiff(m, e, want);
            System.out.printf("%s %-12s |ours - PEFT|: unmerged %.2e, merged %.2e (base alone %.2f)%n", arch, name, unmerged, merged, base);
            assertTrue(base > 100 * LoraOptionsTest.TOLERANCE, "the adapter must change the model: " + base);
            assertTrue(unmerged < 1e-5, "unmerged differs from PEFT by " + unmerged);
            assertTrue(merged < 1e-5, "merged differs from PEFT by " + merged);
        }
    }

    /** Every field PEFT's VeraConfig writes is one we honour, accept, or refuse when it is not at its default. */
    @Test
    void everyPeftFieldIsClassified() throws IOException {
        Set<String> unknown = new TreeSet<>();
        expected().get("vera_config_fields").forEach(n -> {
            String f = n.asText();
            if (!dev.dcft.adapters.vera.VeraMethod.HONOURED.contains(f) && !dev.dcft.adapters.vera.VeraMethod.ACCEPTED.contains(f)
                    && !PeftConfigFields.COMMON.contains(f)) {
                unknown.add(f);
            }
        });
        assertEquals(Set.of(), unknown);
    }

    @Test
    void adaptersWithoutTheirProjectionsOrWithForeignOptionsAreRefusedByName() throws IOException {
        Path src = ROOT.resolve("bert-adapters/vera");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"save_projection", "false"});
        cases.add(new String[] {"bias", "\"all\""});
        cases.add(new String[] {"a_future_option", "3"});
        for (String[] c : cases) {
            Path dir = tmp.resolve("vera-" + c[0]);
            Files.createDirectories(dir);
            Files.copy(src.resolve(PeftAdapterFiles.WEIGHTS), dir.resolve(PeftAdapterFiles.WEIGHTS));
            ObjectNode config = (ObjectNode) LoraOptionsTest.JSON.readTree(src.resolve(PeftAdapterFiles.CONFIG).toFile());
            config.set(c[0], LoraOptionsTest.JSON.readTree(c[1]));
            Files.writeString(dir.resolve(PeftAdapterFiles.CONFIG), config.toString());
            Path out = tmp.resolve("merged-" + c[0]);
            CliRunner.Result r = CliRunner.run("merge", "--model", ROOT.resolve("bert-tiny").toString(), "--adapter", dir.toString(),
                    "--out", out.toString());
            CliRunner.assertOneLineError(r, c[0]);
            assertFalse(Files.exists(out));
        }
    }

    @ParameterizedTest(name = "r={0}")
    @CsvSource({"256, 101376", "16, 84096"})
    void paramsCountsVeraOnDebertaV3Base(int r, long expected) throws Exception {
        // Per layer: six adapted matrices with outputs 768 (q, k, v, attention.output), 3072 (intermediate), 768 (output).
        assertEquals(expected, 12L * ((4 * 768 + 3072 + 768) + 6L * r), "the formula");
        Path config = tmp.resolve("deberta-v3-base.json");
        Files.writeString(config, "{\"model_type\": \"deberta-v2\", \"hidden_size\": 768, \"num_hidden_layers\": 12,"
                + " \"num_attention_heads\": 12, \"intermediate_size\": 3072, \"vocab_size\": 128100}");
        JsonNode j = ParamsCommandTest.params("--model", config.toString(), "--method", "vera", "--rank", Integer.toString(r));
        assertEquals(expected, j.get("trainable").asLong());
        assertEquals("vera", j.get("method").asText());
    }
}
