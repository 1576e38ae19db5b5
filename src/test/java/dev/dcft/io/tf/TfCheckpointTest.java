package dev.dcft.io.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.HostTensor;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TokenBatch;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TestModels;
import dev.dcft.testing.TfBundleWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Google-style BERT release (bert_model.ckpt.index + data shard + bert_config.json + vocab.txt),
 * written by an independent bundle writer from a tiny random BERT's Hugging Face tensors with TF's
 * names and [in, out] kernels, loads to the same model as the safetensors original.
 */
class TfCheckpointTest {
    @TempDir
    Path tmp;
    Path hf;
    Path tf;

    @BeforeEach
    void writeBoth() throws IOException {
        hf = tmp.resolve("hf");
        TestModels.writeTinyHfDirectory(hf, true, 11);
        tf = tmp.resolve("tf");
        Files.createDirectories(tf);
        Map<String, HostTensor> vars = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : SafetensorsReader.read(hf.resolve("model.safetensors")).entrySet()) {
            vars.put(tfName(e.getKey()), e.getKey().endsWith(".weight") && e.getValue().rank() == 2 && !e.getKey().contains("embeddings")
                    ? e.getValue().transpose2d() : e.getValue());
        }
        TfBundleWriter.write(tf.resolve("bert_model.ckpt"), vars);
        Files.copy(hf.resolve("config.json"), tf.resolve("bert_config.json"));
        Files.writeString(tf.resolve("vocab.txt"), vocabTxt());
        Files.writeString(tf.resolve("tokenizer_config.json"), "{\"do_lower_case\": true}");
    }

    /** encoder.layer.1.attention.self.query.weight -> bert/encoder/layer_1/attention/self/query/kernel. */
    static String tfName(String hf) {
        String n = hf.replaceAll("layer\\.(\\d+)", "layer_$1");
        if (n.contains("embeddings.") && n.endsWith("_embeddings.weight")) {
            n = n.substring(0, n.length() - ".weight".length());
        } else if (n.contains("LayerNorm")) {
            n = n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
        } else {
            n = n.replace(".weight", ".kernel");
        }
        return "bert/" + n.replace('.', '/');
    }

    /** MiniLM's WordPiece vocabulary in id order, as a vocab.txt. */
    static String vocabTxt() throws IOException {
        JsonNode vocab = new ObjectMapper().readTree(TestModels.minilmTokenizerJson()).get("model").get("vocab");
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            byId.put(e.getValue().asInt(), e.getKey());
        }
        return String.join("\n", byId.values()) + "\n";
    }

    private static float[] hidden(LoadedModel m, TokenBatch batch) {
        try (NDManager step = m.manager().newSubManager()) {
            m.model().setTraining(false);
            float[] last = m.model().forward(EncoderInput.of(step, batch, m.model().config())).toFloatArray();
            float[] pooled = m.model().pool(m.model().forward(EncoderInput.of(step, batch, m.model().config()))).toFloatArray();
            float[] out = java.util.Arrays.copyOf(last, last.length + pooled.length);
            System.arraycopy(pooled, 0, out, last.length, pooled.length);
            return out;
        }
    }

    @Test
    void tensorflowCheckpointLoadsTheSameModel() {
        List<String> texts = List.of("The quick brown fox.", "Tokenizers: WordPiece, ##suffixes and UPPER case!", "naïve café");
        try (LoadedModel a = ModelLoader.load(hf.toString()); LoadedModel b = ModelLoader.load(tf.toString())) {
            TokenBatch fromJson = a.tokenizer().encode(texts);
            TokenBatch fromVocab = b.tokenizer().encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(fromJson.ids()[i], fromVocab.ids()[i], "vocab.txt tokenizes as MiniLM's tokenizer.json: " + texts.get(i));
            }
            assertArrayEquals(hidden(a, fromJson), hidden(b, fromJson), 1e-6f);
        }
    }

    @Test
    void truncatedDataShardIsNamed() throws IOException {
        Path shard = tf.resolve("bert_model.ckpt.data-00000-of-00001");
        byte[] all = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(all, all.length - 100));
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", tf.toString()), "truncated checkpoint");
    }

    @Test
    void corruptDataFailsItsChecksum() throws IOException {
        Path shard = tf.resolve("bert_model.ckpt.data-00000-of-00001");
        byte[] all = Files.readAllBytes(shard);
        all[all.length / 2] ^= 0x40;
        Files.write(shard, all);
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", tf.toString()), "checksum mismatch");
    }

    @Test
    void missingShardAndBadIndexAreNamed() throws IOException {
        Files.move(tf.resolve("bert_model.ckpt.data-00000-of-00001"), tmp.resolve("elsewhere"));
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", tf.toString()), "bert_model.ckpt.data-00000-of-00001", "file not found");
        Files.write(tf.resolve("bert_model.ckpt.index"), "not an sstable, just some bytes that are long enough to hold a footer".getBytes());
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", tf.toString()), "not a TensorFlow checkpoint index");
    }

    @Test
    void missingConfigIsExplained() throws IOException {
        Files.delete(tf.resolve("bert_config.json"));
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", tf.toString()), "bert_config.json");
    }

    @Test
    void tfNamesMapToHuggingFaceNames() {
        Map<String, HostTensor> tfVars = new LinkedHashMap<>();
        HostTensor k = new HostTensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
        tfVars.put("module/bert/encoder/layer_11/attention/self/query/kernel", k);
        tfVars.put("module/cls/predictions/output_bias", new HostTensor(new long[] {1}, new float[] {1}));
        tfVars.put("bert/embeddings/LayerNorm/gamma", new HostTensor(new long[] {1}, new float[] {1}));
        tfVars.put("bert/encoder/layer_0/output/dense/kernel/adam_m", k);
        Map<String, HostTensor> hfVars = TfBertNames.toHf(tfVars);
        assertEquals(List.of("encoder.layer.11.attention.self.query.weight", "cls.predictions.bias", "embeddings.LayerNorm.weight"),
                List.copyOf(hfVars.keySet()));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, hfVars.get("encoder.layer.11.attention.self.query.weight").data());
        assertTrue(hfVars.values().stream().noneMatch(v -> v == null));
    }
}
