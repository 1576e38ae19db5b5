package dev.dcft.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.TargetModules;
import dev.dcft.engine.Engines;
import dev.dcft.testing.AdapterFixtures;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every registered adapter method on the decoders' seven projections (PEFT's names: q_proj, k_proj, v_proj,
 * o_proj, gate_proj, up_proj, down_proj): the adapter moves the logits, merged equals unmerged (1e-5
 * relative), and a DCFT kernel that does not divide the grouped-query k/v width is one error naming the module.
 */
class LlamaAdaptersTest {
    static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    static final long[][] IDS = {{5, 17, 42, 8, 77, 3, 61}, {0, 0, 0, 9, 30, 2, 88}};
    static final long[][] MASK = {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1}};
    static final long[][] POS = {{0, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 1, 2, 3}};

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama, dcft, kernel=8", "qwen2, dcft, kernel=4;stride=2;rank=2", "mistral, lora, rank=4", "llama, lora, rank=4;dora=true",
        "qwen2, vera, rank=8"})
    void mergedEqualsUnmergedOnEveryProjection(String family, String method, String options) throws IOException {
        MethodOptions o = MethodOptions.empty();
        for (String kv : options.split(";")) {
            String[] p = kv.split("=");
            o = o.with(p[0], p[1]);
        }
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            LlamaModel model = LlamaFamilyLogitsTest.load(m, family);
            float[] before = model.logits(m, IDS, MASK, POS).toFloatArray();
            List<String> injected = Adapters.apply(model, AdapterSpec.of(AdapterMethods.forName(method, o).configure(o,
                    TargetModules.names(TARGETS))), m, 3);
            assertEquals(7 * model.config().layers(), injected.size(), injected.toString());
            AdapterFixtures.randomizeAdapters(model, m, 5, 0.3);
            float[] unmerged = model.logits(m, IDS, MASK, POS).toFloatArray();
            Adapters.mergeAll(model);
            float[] merged = model.logits(m, IDS, MASK, POS).toFloatArray();
            double scale = 0;
            double moved = 0;
            double diff = 0;
            for (int i = 0; i < merged.length; i++) {
                scale = Math.max(scale, Math.abs(unmerged[i]));
                moved = Math.max(moved, Math.abs(unmerged[i] - before[i]));
                diff = Math.max(diff, Math.abs(unmerged[i] - merged[i]));
            }
            System.out.printf("%s %s %s: adapter moves logits by %.3g, merged vs unmerged %.2e%n", family, method, options, moved, diff);
            assertTrue(moved > 1e-3 * scale, "the adapter changes the logits");
            assertTrue(diff <= 1e-5 * scale, "merged vs unmerged " + diff);
        }
    }

    @ParameterizedTest(name = "kernel {0}")
    @CsvSource({"32", "12"})
    void aKernelThatDoesNotFitTheKeyValueWidthIsNamed(int kernel) throws IOException {
        try (NDManager m = Engines.newManager()) {
            LlamaModel model = LlamaFamilyLogitsTest.load(m, "llama");
            MethodOptions o = MethodOptions.of(Map.of("kernel", kernel));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adapters.apply(model,
                    AdapterSpec.of(AdapterMethods.forName("dcft", o).configure(o, TargetModules.names(TARGETS))), m, 3));
            assertTrue(e.getMessage().contains("model.layers.0.self_attn."), e.getMessage());
        }
    }
}
