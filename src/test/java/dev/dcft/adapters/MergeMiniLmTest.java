package dev.dcft.adapters;

import static dev.dcft.testing.AdapterFixtures.lastHidden;
import static dev.dcft.testing.AdapterFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.testing.AdapterFixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Merged vs unmerged on the whole MiniLM with all six matrices of every layer adapted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MergeMiniLmTest {
    LoadedModel model;
    float[] baseOutput;

    @BeforeAll
    void load() {
        model = ModelLoader.load("minilm-l6");
        baseOutput = lastHidden(model);
    }

    @AfterAll
    void close() {
        model.close();
    }

    private void check(AdapterSpec spec, String label) {
        LoadedModel m = ModelLoader.load("minilm-l6");
        try {
            Map<String, float[]> w0 = new LinkedHashMap<>();
            var injected = Adapters.apply(m.model(), spec, m.manager(), 5);
            assertEquals(36, injected.size(), "six matrices x six layers");
            Adapters.layers(m.model()).forEach((p, l) -> w0.put(p, l.baseLayer().weight().value().toFloatArray()));
            // Increments of a few percent of W0, as trained adapters have: enough to move the output clearly.
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 9, 0.1);
            float[] unmerged = lastHidden(m);
            double effect = maxAbsDiff(unmerged, baseOutput);
            assertTrue(effect > 1e-2, "the adapters change the output: " + effect);
            Adapters.mergeAll(m.model());
            float[] merged = lastHidden(m);
            double mergeDiff = maxAbsDiff(unmerged, merged);
            Adapters.unmergeAll(m.model());
            double restore = 0;
            for (var e : Adapters.layers(m.model()).entrySet()) {
                restore = Math.max(restore, maxAbsDiff(w0.get(e.getKey()), e.getValue().baseLayer().weight().value().toFloatArray()));
            }
            System.out.printf("%s: adapter moves outputs by %.3g; merged vs unmerged %.3g; unmerge restores W0 to %.3g%n",
                    label, effect, mergeDiff, restore);
            assertTrue(mergeDiff <= 1e-5, label + " merged vs unmerged " + mergeDiff);
            assertTrue(restore <= 1e-6, label + " unmerge " + restore);
        } finally {
            m.close();
        }
    }

    @Test
    void dcftKernel8() {
        check(AdapterSpec.of(new DcftConfig(8, 8, 1, 4, DcftConfig.Init.GAUSSIAN, 0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), "dcft d=8");
    }

    @Test
    void dcftKernel4Stride2Rank2() {
        check(AdapterSpec.of(new DcftConfig(4, 2, 2, 4, DcftConfig.Init.GAUSSIAN, 0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), "dcft d=4 t=2 r=2");
    }

    @Test
    void loraRank8() {
        check(AdapterSpec.of(new LoraConfig(8, 16, 0, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), "lora r=8");
    }
}
