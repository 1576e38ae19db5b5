package dev.dcft.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.TaskType;
import dev.dcft.engine.Engines;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TextTokenizer;
import dev.dcft.model.TokenBatch;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TinyDecoder;
import dev.dcft.train.TaskModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence classification on a decoder, as Hugging Face's Qwen2ForSequenceClassification: {@code score} (no bias) on the
 * last real token. Oracle: a SEQ_CLS LoRA adapter that real PEFT saved on the tiny Qwen2 chat decoder, and the logits HF
 * computed with it for right-padded single texts and pairs (scripts/fixtures/make_decoder_seqcls_fixtures.py). Then a
 * tiny decoder trained through {@code dcft train} on a user's CSV and on GLUE's RTE, predicted and evaluated as an
 * encoder run is.
 */
class DecoderSequenceClassificationTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures/decoders");

    @TempDir
    Path tmp;

    @Test
    void peftsSeqClsAdapterGivesHuggingFacesLogits() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("seqcls-expected.json").toFile());
        PeftAdapterFiles.LoadedAdapter adapter = PeftAdapterFiles.load(FIXTURES.resolve("seqcls-lora"));
        try (LoadedModel base = ModelLoader.load(FIXTURES.resolve("chat").toString())) {
            TaskSpec task = TaskSpec.custom("fixture", TaskType.CLASSIFICATION, List.of("neg", "neu", "pos"), true);
            TaskModel model = new TaskModel(base, adapter.spec(), task, 0.1, 1);
            model.loadAdapter(adapter);
            model.setTraining(false);
            assertEquals(List.of("score.weight"), model.trainable().keySet().stream().filter(model::isHead).toList());
            Engines.gradientsOff();
            double worst = 0;
            try (TextTokenizer tok = base.tokenizer(64); NDManager scope = base.manager().newSubManager()) {
                for (JsonNode batch : expected.get("batches")) {
                    List<String> first = new ArrayList<>();
                    List<String> second = new ArrayList<>();
                    batch.get("texts").forEach(t -> {
                        first.add(t.get(0).asText());
                        if (t.size() > 1) {
                            second.add(t.get(1).asText());
                        }
                    });
                    TokenBatch tb = second.isEmpty() ? tok.encode(first) : tok.encodePairs(first, second);
                    for (int r = 0; r < first.size(); r++) {
                        long[] want = new ObjectMapper().convertValue(batch.get("input_ids").get(r), long[].class);
                        long[] got = java.util.Arrays.copyOf(tb.ids()[r], want.length);
                        assertArrayEquals(want, got, "token ids of row " + r);
                    }
                    float[] logits = model.logits(EncoderInput.of(scope, tb, base.model().config())).toFloatArray();
                    for (int r = 0; r < first.size(); r++) {
                        for (int k = 0; k < 3; k++) {
                            double hf = batch.get("logits").get(r).get(k).asDouble();
                            worst = Math.max(worst, Math.abs(hf - logits[r * 3 + k]) / Math.max(1, Math.abs(hf)));
                        }
                    }
                }
            }
            System.out.printf("decoder SEQ_CLS logits vs HF+PEFT: worst relative difference %.2e%n", worst);
            assertTrue(worst < 1e-4, "worst " + worst);
        }
    }

    /** Rows "... good ..." are pos, "... bad ..." neg, among random filler words. */
    static void writeCsv(Path file, int n, long seed) throws Exception {
        Random r = new Random(seed);
        String[] filler = {"the", "a", "movie", "day", "was", "very", "food", "it", "so"};
        List<String> lines = new ArrayList<>(List.of("text,label"));
        for (int i = 0; i < n; i++) {
            boolean pos = r.nextBoolean();
            StringBuilder s = new StringBuilder();
            int at = r.nextInt(4);
            for (int w = 0; w < 4; w++) {
                s.append(w == 0 ? "" : " ").append(w == at ? (pos ? "good" : "bad") : filler[r.nextInt(filler.length)]);
            }
            lines.add(s + "," + (pos ? "pos" : "neg"));
        }
        Files.write(file, lines);
    }

    @Test
    void aDecoderTrainsOnUsersFilesAndGlueAndItsRunPredicts() throws Exception {
        Path model = tmp.resolve("model");
        TinyDecoder.write(model, TinyDecoder.config(64, 2, 4, 2, 128, 128), 0.02, 0.25, 5);
        Path train = tmp.resolve("train.csv");
        Path dev = tmp.resolve("dev.csv");
        writeCsv(train, 400, 1);
        writeCsv(dev, 100, 2);
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("--threads", "1", "train", "--model", model.toString(), "--train", train.toString(), "--dev",
                dev.toString(), "--method", "dcft", "--kernel", "8", "--lr", "1e-2", "--head-lr", "1e-2", "--epochs", "8", "--batch", "16",
                "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        ObjectMapper json = new ObjectMapper();
        double accuracy = json.readTree(run.resolve("metrics.json").toFile()).get("best").get("accuracy").asDouble();
        System.out.println("tiny decoder, good/bad CSV, DCFT d=8: best dev accuracy " + accuracy);
        assertTrue(accuracy >= 0.9, "accuracy " + accuracy);
        JsonNode cfg = json.readTree(run.resolve("adapter/adapter_config.json").toFile());
        assertEquals("SEQ_CLS", cfg.get("task_type").asText());
        assertEquals("[\"score\"]", cfg.get("modules_to_save").toString());
        assertTrue(SafetensorsReader.read(run.resolve("adapter/adapter_model.safetensors"))
                .containsKey("base_model.model.score.weight"));

        CliRunner.Result p = CliRunner.run("predict", "--run", run.toString(), "it was so good", "the food was bad");
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().strip().split("\n");
        assertTrue(lines[0].startsWith("pos\t") && lines[1].startsWith("neg\t"), p.out());

        // The merged base is the decoder with the adapter folded in; the score head stays in the adapter, and is named.
        CliRunner.Result m = CliRunner.run("merge", "--model", model.toString(), "--adapter", run.resolve("adapter").toString(), "--out",
                tmp.resolve("merged").toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("not in the merged base") && m.out().contains("score.weight"), m.out());

        // The server's mixed-adapter forward is the encoders': a decoder is refused at start, in one line.
        CliRunner.assertOneLineError(CliRunner.run("serve", "--model", model.toString(), "--port", "0"), "is a decoder (qwen2)",
                "dcft serve serves encoder models");

        // GLUE pairs run unchanged on a decoder (a smoke run: a few steps on RTE, its dev set evaluated).
        Path rte = tmp.resolve("rte");
        CliRunner.Result g = CliRunner.run("--threads", "1", "train", "--task", "rte", "--model", model.toString(), "--data",
                SharedData.root().toString(), "--method", "lora", "--rank", "2", "--max-steps", "3", "--batch", "8", "--max-len", "64",
                "--eval-limit", "32", "--out", rte.toString(), "--quiet");
        assertEquals(0, g.code(), g.err());
        assertTrue(json.readTree(rte.resolve("metrics.json").toFile()).get("final").has("accuracy"));
    }
}
