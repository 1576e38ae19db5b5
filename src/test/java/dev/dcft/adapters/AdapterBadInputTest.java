package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.cli.Main;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters that do not fit: a clear one-line error naming the module, exit 1, no output directory. */
class AdapterBadInputTest {
    @TempDir
    Path tmp;
    Path base;
    Path adapter;

    @BeforeEach
    void setUp() throws Exception {
        base = tmp.resolve("base");
        TestModels.writeTinyHfDirectory(base, false, 4);
        adapter = tmp.resolve("adapter");
        AdapterSpec spec = AdapterSpec.of(new DcftConfig(8, 8, 1, 4, DcftConfig.Init.GAUSSIAN, 0,
                TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));
        try (LoadedModel m = ModelLoader.load(base.toString())) {
            Adapters.apply(m.model(), spec, m.manager(), 1);
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 2, 0.3);
            PeftAdapterFiles.save(adapter, spec, "tiny", m.model(), Map.of(), List.of(), null, false);
        }
    }

    private void assertMergeFails(Path model, Path adapterDir, String... fragments) {
        Path out = tmp.resolve("merged-" + System.nanoTime());
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"merge", "--model", model.toString(), "--adapter", adapterDir.toString(), "--out", out.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        String e = err.toString().strip();
        assertEquals(1, code, e);
        assertEquals(1, e.lines().count(), e);
        for (String f : fragments) {
            assertTrue(e.contains(f), "'" + f + "' missing from: " + e);
        }
        assertFalse(Files.exists(out), "no partial output directory");
    }

    private Path otherBase(String name, int hidden, int layers) throws Exception {
        Path dir = tmp.resolve(name);
        TestModels.writeHfDirectory(dir, BertConfig.of(30522, hidden, layers, 4, 32, 64, 2, 1e-12f), false, 5);
        return dir;
    }

    /**
     * A user's regular expression with catastrophic backtracking (.* twelve times: about 36^12 steps on a 36-character key)
     * ends in one clear error within the matcher's budget instead of running for hours.
     */
    @Test
    void catastrophicRegexesFailInsteadOfHanging() {
        String key = "encoder.layer.0.attention.self.query";
        for (java.util.function.Supplier<Boolean> match : List.<java.util.function.Supplier<Boolean>>of(
                () -> TargetModules.regex(".*.*.*.*.*.*.*.*.*.*.*.*z").matches(key),
                () -> TargetModules.names(List.of("query")).excludingRegex(".*.*.*.*.*.*.*.*.*.*.*.*z").matches(key),
                () -> TargetModules.names(List.of("query")).onLayers(List.of(0), List.of(".*.*.*.*.*.*.*.*.*.*.*.*z")).matches(key))) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> assertThrows(IllegalArgumentException.class, match::get));
            assertTrue(e.getMessage().contains("takes too long to match"), e.getMessage());
        }
        assertTrue(TargetModules.regex(".*\\.(query|value)").matches(key), "an ordinary pattern is untouched");
    }

    @Test
    void shapeMismatchOnAnotherBase() throws Exception {
        assertMergeFails(otherBase("wider", 24, 2), adapter, "module 'encoder.layer.0.attention.self.query'",
                "has shape [1, 2] but module 'encoder.layer.0.attention.self.query' needs [1, 3]");
    }

    @Test
    void missingModuleOnAnotherBase() throws Exception {
        assertMergeFails(otherBase("shallow", 16, 1), adapter, "module 'encoder.layer.1.attention.self.query'",
                "not a linear layer of this model", "another base model");
    }

    @Test
    void kernelThatDoesNotFit() throws Exception {
        Path cfg = adapter.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"kernel_size\" : 8", "\"kernel_size\" : 5").replace("\"stride\" : 8", "\"stride\" : 5"));
        assertMergeFails(base, adapter, "kernel 5 with stride 5 does not fit module 'encoder.layer.0.attention.self.query'");
    }

    @Test
    void unknownPeftType() throws Exception {
        Path cfg = adapter.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"DCFT\"", "\"IA3\""));
        assertMergeFails(base, adapter, "adapter_config.json", "unknown peft_type 'IA3'");
    }

    @Test
    void nanInAdapterTensor() throws Exception {
        Path f = adapter.resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) (8 + headerLen), Float.NaN);
        Files.write(f, bytes);
        assertMergeFails(base, adapter, "adapter_model.safetensors", "contains NaN");
    }

    @Test
    void missingAdapterFiles() throws Exception {
        Files.delete(adapter.resolve("adapter_model.safetensors"));
        assertMergeFails(base, adapter, "adapter_model.safetensors", "file not found");
        assertMergeFails(base, tmp.resolve("nowhere"), "adapter directory not found");
    }
}
