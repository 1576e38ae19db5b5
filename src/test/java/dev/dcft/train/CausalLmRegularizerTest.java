package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftLinear;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.llama.LlamaModel;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.TinyDecoder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A causal-LM DCFT step adds the method's orthogonality regulariser, as an encoder step does (SPEC section 2: gamma
 * times the mean over the factors of {@code ||A A^T - I||_F}). With no token marked for loss the next-token term is 0 and
 * has no gradient, so the step's gradient norm is the regulariser's alone, written here by hand: for rank 1 each factor
 * {@code v} (a row of A, a column of B) contributes {@code gamma / F * sign(||v||^2 - 1) * 2 v}.
 */
class CausalLmRegularizerTest {
    @TempDir
    Path tmp;

    @Test
    void theDecoderStepCarriesTheOrthogonalityPenalty() throws Exception {
        Path dir = tmp.resolve("model");
        TinyDecoder.write(dir, TinyDecoder.config(64, 2, 4, 2, 128, 128), 0.02, 0.25, 3);
        try (Decoder d = Decoder.load(dir)) {
            LlamaModel model = d.model();
            MethodOptions o = MethodOptions.of(Map.of("kernel", 8));
            AdapterSpec spec = AdapterSpec.of(AdapterMethods.forName("dcft", o).configure(o, TargetModules.names(List.of("q_proj", "v_proj"))));
            Adapters.apply(model, spec, d.manager(), 1);
            AdapterFixtures.randomizeAdapters(model, d.manager(), 5, 0.3);
            Map<String, Parameter> params = new LinkedHashMap<>();
            model.namedParameters().forEach((k, p) -> {
                if (p.trainable()) {
                    params.put(k, p);
                }
            });
            params.values().forEach(p -> p.value().setRequiresGradient(true));

            double squares = 0;
            int factors = 0;
            for (AdapterLayer layer : Adapters.layers(model).values()) {
                DcftLinear l = (DcftLinear) layer;
                for (float[] v : List.of(l.a().toFloatArray(), l.b().toFloatArray())) {
                    double n2 = 0;
                    for (float x : v) {
                        n2 += (double) x * x;
                    }
                    squares += n2; // |gradient|^2 of |n2 - 1| is 4 n2; the 1/F and gamma come below
                    factors++;
                }
            }
            double gamma = 0.1;
            double expected = gamma / factors * 2 * Math.sqrt(squares);

            CausalLmRun.Regularised reg = CausalLmRun.Regularised.of(spec, model);
            assertNotNull(reg, "DCFT has an auxiliary loss");
            assertEquals(2 * 2, reg.layers().size());
            long[][] ids = {{5, 17, 42, 8}, {9, 30, 2, 0}};
            long[][] mask = {{1, 1, 1, 1}, {1, 1, 1, 0}};
            long[][] pos = {{0, 1, 2, 3}, {0, 1, 2, 0}};
            boolean[][] none = new boolean[2][4];
            AdamW adam = new AdamW(params, d.manager().newSubManager(), 0.9, 0.999, 1e-8, 0);
            Engines.gradientsOff();
            double[] out;
            try (NDManager scope = d.manager().newSubManager()) {
                out = CausalLmRun.trainingStep(scope, model, ids, mask, pos, none, params, adam, reg, 0, 0.0, p -> {
                    throw new AssertionError(p);
                });
            }
            System.out.printf("regulariser-only gradient norm %.8f, by hand %.8f%n", out[1], expected);
            assertEquals(0.0, out[0], 0.0, "the reported loss is the task's");
            assertEquals(expected, out[1], 1e-5 * expected);
        }
        MethodOptions lora = MethodOptions.of(Map.of("rank", 2));
        assertNull(CausalLmRun.Regularised.of(AdapterSpec.of(AdapterMethods.forName("lora", lora).configure(lora,
                TargetModules.names(List.of("q_proj")))), null), "LoRA adds nothing");
    }
}
