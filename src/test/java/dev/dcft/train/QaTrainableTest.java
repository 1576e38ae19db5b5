package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.data.GlueTask;
import dev.dcft.engine.Engines;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.model.bert.BertInit;
import dev.dcft.model.bert.BertModel;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint with a pooler (bert-base-uncased has one): classification trains it with every method, question
 * answering never reads it, so there it is neither trainable nor saved.
 */
class QaTrainableTest {
    private static final int HIDDEN = 32;
    private static final int LAYERS = 2;
    private static final int FFN = 64;

    private static final AdapterSpec DCFT = AdapterSpec.of(new DcftConfig(8, 8, 1, 4, DcftConfig.Init.GAUSSIAN, 0,
            TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));

    @TempDir
    Path tmp;

    private static LoadedModel bertWithPooler() {
        NDManager manager = Engines.newManager();
        BertModel model = new BertModel(manager, BertConfig.of(30522, HIDDEN, LAYERS, 4, FFN, 128, 2, 1e-12f), true);
        BertInit.randomize(model, manager, 3);
        return new LoadedModel("bert with pooler", model, null, manager, Map.of(), "bert with pooler");
    }

    @Test
    void questionAnsweringLeavesThePoolerFrozenAndUnsaved() throws Exception {
        long pooler = (long) HIDDEN * HIDDEN + HIDDEN;
        long qaHead = 2L * HIDDEN + 2;
        try (LoadedModel base = bertWithPooler()) {
            TaskModel qa = new TaskModel(base, DCFT, SquadTask.spec(false), 0, 1);
            long adapter = dev.dcft.adapters.Adapters.adapterParameterCount(base.model());
            assertTrue(adapter > 0);
            assertFalse(qa.trainable().keySet().stream().anyMatch(k -> k.startsWith("pooler.")), qa.trainable().keySet().toString());
            assertEquals(adapter + qaHead, qa.trainableCount());
            Path dir = tmp.resolve("qa");
            qa.saveAdapter(dir, "bert with pooler");
            String config = Files.readString(dir.resolve("adapter_config.json"));
            assertFalse(config.contains("\"pooler\""), config);
        }
        Path older = tmp.resolve("older");
        try (LoadedModel base = bertWithPooler()) {
            // Files written before the pooler left QA adapters carry its tensors: they still load.
            TaskModel qa = new TaskModel(base, DCFT, SquadTask.spec(false), 0, 1);
            base.model().namedParameters().forEach((k, p) -> p.setTrainable(p.trainable() || k.startsWith("pooler.")));
            qa.saveAdapter(older, "bert with pooler");
        }
        try (LoadedModel base = bertWithPooler()) {
            TaskModel qa = new TaskModel(base, DCFT, SquadTask.spec(false), 0, 1);
            var file = dev.dcft.io.PeftAdapterFiles.load(older);
            assertTrue(file.headTensors().keySet().stream().anyMatch(k -> k.startsWith("pooler.")), file.headTensors().keySet().toString());
            qa.loadAdapter(file);
            assertFalse(qa.trainable().keySet().stream().anyMatch(k -> k.startsWith("pooler.")));
        }
        try (LoadedModel base = bertWithPooler()) {
            TaskModel cls = new TaskModel(base, DCFT, GlueTask.SST2.spec(), 0, 1);
            long adapter = dev.dcft.adapters.Adapters.adapterParameterCount(base.model());
            assertEquals(adapter + pooler + 2L * HIDDEN + 2, cls.trainableCount(), "classification: adapter, pooler, classifier");
        }
        try (LoadedModel base = bertWithPooler()) {
            long all = base.model().namedParameters().values().stream().mapToLong(p -> p.numel()).sum();
            TaskModel full = new TaskModel(base, AdapterSpec.full(), SquadTask.spec(false), 0, 1);
            assertEquals(all - pooler + qaHead, full.trainableCount(), "full fine-tuning for QA: every base weight but the pooler");
        }
    }
}
