package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.decoder.GenerationOptions;
import dev.dcft.model.decoder.Generator;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TinyDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny random decoder (Qwen2 layout, 2 layers, hidden 64) fine-tuned with DCFT d=8 r=1 (1,152 parameters) through
 * {@code dcft train --task causal-lm} on a synthetic instruction task, prompt/completion rows with loss on the completion
 * only: "next 3 =" -> " 4" (the digit after, 9 -> 0). Measured: nine of ten digits right after 30 epochs of 540 rows
 * with DCFT's orthogonality regulariser in the objective (all ten before the decoder step added it; about 15 s on one
 * thread); the test asks for nine. Then the run's adapter through {@code dcft generate} and
 * {@code dcft perplexity}.
 */
class CausalLmTrainingTest {
    @TempDir
    Path tmp;

    static void write(Path file, int n, long seed) throws Exception {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < n; i++) {
            int d = r.nextInt(10);
            lines.add(json.writeValueAsString(Map.of("prompt", "next " + d + " =", "completion", " " + (d + 1) % 10)));
        }
        Files.write(file, lines);
    }

    @Test
    void dcftLearnsTheNextDigitAndTheRunGeneratesAndScores() throws Exception {
        Path model = tmp.resolve("model");
        TinyDecoder.write(model, TinyDecoder.config(64, 2, 4, 2, 128, 128), 0.02, 0.25, 11);
        Path train = tmp.resolve("train.jsonl");
        Path dev = tmp.resolve("dev.jsonl");
        write(train, 540, 1);
        write(dev, 60, 2);
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("--threads", "1", "train", "--task", "causal-lm", "--model", model.toString(), "--train",
                train.toString(), "--dev", dev.toString(), "--method", "dcft", "--kernel", "8", "--target",
                "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", "--lr", "2e-2", "--epochs", "30", "--batch", "32", "--out",
                run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        int right = 0;
        try (Decoder d = Decoder.load(model, run.resolve("adapter"))) {
            Generator g = new Generator(d);
            for (int digit = 0; digit < 10; digit++) {
                long[] out = g.generate(d.encodePrompt("next " + digit + " ="), GenerationOptions.greedy(3), id -> { });
                right += d.tokenizer().decode(out, true).trim().equals(Integer.toString((digit + 1) % 10)) ? 1 : 0;
            }
        }
        System.out.println("next digit right: " + right + "/10");
        assertTrue(right >= 9, right + "/10");
        ObjectMapper json = new ObjectMapper();
        JsonNode cfg = json.readTree(run.resolve("adapter/adapter_config.json").toFile());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertTrue(json.readTree(run.resolve("metrics.json").toFile()).get("best").get("perplexity").asDouble() < 2.0);
        assertTrue(Files.size(run.resolve("curves.png")) > 0);

        CliRunner.Result gen = CliRunner.run("generate", "--run", run.toString(), "--greedy", "--max-new-tokens", "3", "--json", "next 4 =");
        assertEquals(0, gen.code(), gen.err());
        JsonNode result = json.readTree(gen.out()).get("results").get(0);
        assertEquals("next 4 =", result.get("prompt").asText());
        assertEquals("5", result.get("text").asText().trim());
        assertTrue(result.get("token_ids").size() >= 1);

        CliRunner.Result ppl = CliRunner.run("perplexity", "--run", run.toString(), "--json", "next 4 = 5", "next 9 = 0");
        assertEquals(0, ppl.code(), ppl.err());
        JsonNode p = json.readTree(ppl.out());
        assertEquals(2, p.get("results").size());
        assertTrue(p.get("perplexity").asDouble() > 1 && p.get("results").get(0).get("tokens").asInt() > 1, ppl.out());

        CliRunner.Result chat = CliRunner.run("generate", "--model", model.toString(), "--chat", "--max-new-tokens", "4", "--seed", "3",
                "--json", "hi");
        assertEquals(0, chat.code(), chat.err());
    }

    /**
     * Ctrl-C (SIGTERM) on a causal-LM run: the loop saves a checkpoint after the current step and returns interrupted,
     * and {@code --resume} finishes it with the log and metrics of the run never stopped, bit for bit.
     */
    @Test
    void aStoppedCausalRunCheckpointsAndResumesToTheSameNumbers() throws Exception {
        Path model = tmp.resolve("model");
        TinyDecoder.write(model, TinyDecoder.config(64, 2, 4, 2, 128, 128), 0.02, 0.25, 11);
        Path train = tmp.resolve("train.jsonl");
        Path dev = tmp.resolve("dev.jsonl");
        write(train, 96, 1);
        write(dev, 16, 2);
        Path whole = tmp.resolve("whole");
        CliRunner.Result r = CliRunner.run("--threads", "1", "train", "--task", "causal-lm", "--model", model.toString(), "--train",
                train.toString(), "--dev", dev.toString(), "--method", "dcft", "--kernel", "8", "--lr", "2e-2", "--epochs", "3", "--batch", "8",
                "--save-every", "0", "--out", whole.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());

        Path stopped = tmp.resolve("stopped");
        Files.createDirectories(stopped);
        Files.copy(whole.resolve("config.json"), stopped.resolve("config.json"));
        Stoppable[] loop = {null};
        TaskRun.Outcome first = TaskRun.train(null, null, stopped, true, false, (step, total, epoch, loss, tps) -> {
            if (step == 5) {
                new Thread(() -> loop[0].requestStop(60)).start();
            }
        }, t -> { }, note -> { }, l -> loop[0] = l);
        assertTrue(first.result().interrupted(), "the run stopped early");
        assertTrue(first.result().steps() < 36, "steps " + first.result().steps());
        assertTrue(Files.isDirectory(stopped.resolve("checkpoint")), "a checkpoint was saved on the stop");
        TaskRun.Outcome second = TaskRun.train(null, null, stopped, true, false, (step, total, epoch, loss, tps) -> { }, t -> { }, note -> { },
                l -> { });
        assertEquals(36, second.result().steps());
        ObjectMapper json = new ObjectMapper();
        assertEquals(Files.readAllLines(whole.resolve("log.jsonl")), Files.readAllLines(stopped.resolve("log.jsonl")));
        assertEquals(json.readTree(whole.resolve("metrics.json").toFile()).get("best"),
                json.readTree(stopped.resolve("metrics.json").toFile()).get("best"));
        System.out.println("causal-LM run stopped after step " + first.result().steps() + " of 36, resumed: log and metrics equal");
    }
}
