package dev.dcft.testing;

import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.io.HfModelDirectory;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.model.bert.BertInit;
import dev.dcft.model.bert.BertModel;
import dev.dcft.model.ModuleWeights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Models shared by tests: the embedded MiniLM (loaded once per JVM) and tiny random encoders. */
public final class TestModels {
    private static LoadedModel minilm;

    private TestModels() {
    }

    public static synchronized LoadedModel minilm() {
        if (minilm == null) {
            Engines.configure(2);
            minilm = ModelLoader.load("minilm-l6");
        }
        return minilm;
    }

    public static byte[] minilmTokenizerJson() {
        try (InputStream in = TestModels.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tiny random BERT with MiniLM's vocabulary, written as a Hugging Face directory. */
    public static BertConfig writeTinyHfDirectory(Path dir, boolean pooler, long seed) throws IOException {
        BertConfig config = BertConfig.of(30522, 16, 2, 4, 32, 64, 2, 1e-12f);
        writeHfDirectory(dir, config, pooler, seed);
        return config;
    }

    public static void writeHfDirectory(Path dir, BertConfig config, boolean pooler, long seed) throws IOException {
        try (NDManager m = Engines.newManager()) {
            BertModel model = new BertModel(m, config, pooler);
            BertInit.randomize(model, m, seed);
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("tokenizer.json", minilmTokenizerJson());
            HfModelDirectory.write(dir, config.toJson(), ModuleWeights.export(model, ""), files);
        }
    }
}
