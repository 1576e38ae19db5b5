package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.dcft.DcftLinear;
import dev.dcft.adapters.dcft.OrthogonalRegularizer;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.engine.Engines;
import dev.dcft.io.HostTensor;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Parameter;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegularizerAndLifecycleTest {
    @TempDir
    Path tmp;

    /** Both regulariser forms against their formulas computed by hand. */
    @Test
    void orthogonalityPenaltyMatchesFormula() {
        try (NDManager m = Engines.newManager()) {
            List<DcftLinear> layers = new ArrayList<>();
            double sumNorm = 0;
            double sumSquared = 0;
            for (int l = 0; l < 3; l++) {
                Linear base = new Linear(m, 16, 24, true);
                DcftLinear layer = new DcftLinear(m, "l" + l, base, new DcftConfig(4, 4, 2, 4, DcftConfig.Init.GAUSSIAN, 0,
                        TargetModules.names(List.of("x"))), new SplittableRandom(l));
                SplittableRandom rng = new SplittableRandom(100 + l);
                double[][] a = DcftDefinitionTest.random(rng, 2, 4, 1);
                double[][] b = DcftDefinitionTest.random(rng, 6, 2, 1);
                layer.adapterWeights().get("dcft_A").parameter().set(DcftDefinitionTest.toArray(m, a, ai.djl.ndarray.types.DataType.FLOAT32));
                layer.adapterWeights().get("dcft_B").parameter().set(DcftDefinitionTest.toArray(m, b, ai.djl.ndarray.types.DataType.FLOAT32));
                layers.add(layer);
                for (double sq : new double[] {gramError(a, true), gramError(b, false)}) {
                    sumNorm += Math.sqrt(sq);
                    sumSquared += sq;
                }
            }
            try (NDManager step = m.newSubManager()) {
                float released = new OrthogonalRegularizer(0.1, OrthogonalRegularizer.Form.RELEASED).penalty(step, layers).getFloat();
                float paper = new OrthogonalRegularizer(0.3, OrthogonalRegularizer.Form.PAPER).penalty(step, layers).getFloat();
                assertEquals(0.1 * sumNorm / 6, released, 1e-5 * Math.abs(released));
                assertEquals(0.3 * sumSquared / 6, paper, 1e-5 * Math.abs(paper));
            }
        }
    }

    /** ||A A^T - I||_F^2 for A [r][n] (rows are the vectors), or ||B^T B - I||_F^2 for B [n][r]. */
    private static double gramError(double[][] x, boolean rows) {
        int r = rows ? x.length : x[0].length;
        int n = rows ? x[0].length : x.length;
        double s = 0;
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double g = 0;
                for (int k = 0; k < n; k++) {
                    g += rows ? x[i][k] * x[j][k] : x[k][i] * x[k][j];
                }
                g -= i == j ? 1 : 0;
                s += g * g;
            }
        }
        return s;
    }

    /** With init zero, Delta starts at 0: the adapted model computes exactly what the base does. */
    @Test
    void zeroInitStartsAtTheBaseModel() throws Exception {
        Path base = tmp.resolve("base");
        TestModels.writeTinyHfDirectory(base, false, 8);
        try (LoadedModel m = ModelLoader.load(base.toString())) {
            float[] before = AdapterFixtures.lastHidden(m);
            Adapters.apply(m.model(), AdapterSpec.of(new DcftConfig(8, 8, 1, 4, DcftConfig.Init.ZERO, 0,
                    TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))), m.manager(), 3);
            assertEquals(0.0, AdapterFixtures.maxAbsDiff(before, AdapterFixtures.lastHidden(m)));
        }
    }

    /**
     * A training step (forward, regulariser, backward) with adapters and dropout leaves the model's
     * manager as it was: everything of the step lives in the step's manager.
     */
    @Test
    void trainingStepsDoNotGrowTheModelManager() throws Exception {
        Path base = tmp.resolve("leak");
        TestModels.writeTinyHfDirectory(base, false, 9);
        for (AdapterSpec spec : List.of(
                AdapterSpec.of(new DcftConfig(4, 2, 1, 4, DcftConfig.Init.GAUSSIAN, 0.1, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))),
                AdapterSpec.of(new LoraConfig(2, 4, 0.1, TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES))))) {
            try (LoadedModel m = ModelLoader.load(base.toString())) {
                Encoder model = m.model();
                Adapters.apply(model, spec, m.manager(), 1);
                for (Parameter p : model.namedParameters().values()) {
                    if (p.trainable()) {
                        p.value().setRequiresGradient(true);
                    }
                }
                model.setTraining(true);
                var batch = m.tokenizer().encode(AdapterFixtures.TEXTS);
                List<DcftLinear> dcft = Adapters.layers(model).values().stream()
                        .filter(l -> l instanceof DcftLinear).map(l -> (DcftLinear) l).toList();
                int before = -1;
                for (int step = 0; step < 3; step++) {
                    try (NDManager s = m.manager().newSubManager();
                            GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray loss = model.forward(EncoderInput.of(s, batch, model.config())).square().mean();
                        loss = loss.add(new OrthogonalRegularizer(0.1, OrthogonalRegularizer.Form.RELEASED).penalty(s, dcft));
                        gc.backward(loss);
                    }
                    int now = ((BaseNDManager) m.manager()).getManagedArrays().size();
                    if (before >= 0) {
                        assertEquals(before, now, spec.methodName() + ": arrays in the model manager after step " + step);
                    }
                    before = now;
                }
            }
        }
    }

    @Test
    void headTensorsTravelWithTheAdapter() throws Exception {
        Path base = tmp.resolve("head");
        TestModels.writeTinyHfDirectory(base, false, 10);
        AdapterSpec spec = AdapterSpec.of(new LoraConfig(2, 4, 0, TargetModules.names(List.of("query"))));
        Path dir = tmp.resolve("adapter");
        try (LoadedModel m = ModelLoader.load(base.toString())) {
            Adapters.apply(m.model(), spec, m.manager(), 1);
            PeftAdapterFiles.save(dir, spec, "tiny", m.model(),
                    Map.of("classifier.weight", new HostTensor(new long[] {2, 16}, new float[32])), List.of("classifier"), "SEQ_CLS", false);
        }
        PeftAdapterFiles.LoadedAdapter loaded = PeftAdapterFiles.load(dir);
        assertTrue(loaded.headTensors().containsKey("classifier.weight"));
        assertEquals("classifier", loaded.config().get("modules_to_save").get(0).asText());
        assertEquals("SEQ_CLS", loaded.config().get("task_type").asText());
        assertEquals(2 * 2, loaded.adapterTensors().size()); // two layers' query: lora_A and lora_B
    }
}
