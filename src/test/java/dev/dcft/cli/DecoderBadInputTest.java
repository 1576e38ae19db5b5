package dev.dcft.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TinyDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the decoder commands: one line naming the problem and a non-zero exit, nothing written. */
class DecoderBadInputTest {
    @TempDir
    Path tmp;

    Path model(String name, ObjectNode config) throws Exception {
        Path dir = tmp.resolve(name);
        TinyDecoder.write(dir, config, 0.02, 0.25, 1);
        return dir;
    }

    @Test
    void oneLineErrors() throws Exception {
        Path ok = model("ok", TinyDecoder.config(32, 1, 4, 2, 48, 16));
        Path noTokenizer = model("no-tokenizer", TinyDecoder.config(32, 1, 4, 2, 48, 16));
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        CliRunner.assertOneLineError(CliRunner.run("generate", "--model", noTokenizer.toString(), "hi"), "tokenizer.json");

        ObjectNode gpt2 = TinyDecoder.config(32, 1, 4, 2, 48, 16);
        gpt2.put("model_type", "gpt2");
        CliRunner.assertOneLineError(CliRunner.run("generate", "--model", model("gpt2", gpt2).toString(), "hi"), "model_type 'gpt2'");

        ObjectNode yarn = TinyDecoder.config(32, 1, 4, 2, 48, 16);
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 2.0);
        CliRunner.assertOneLineError(CliRunner.run("perplexity", "--model", model("yarn", yarn).toString(), "some text"), "yarn");

        // 16 positions: a prompt of more tokens leaves nothing to generate.
        CliRunner.assertOneLineError(CliRunner.run("generate", "--model", ok.toString(), "reverse 123 ".repeat(12)),
                "context is 16");
        CliRunner.assertOneLineError(CliRunner.run("perplexity", "--model", ok.toString(), "reverse 123 ".repeat(12)),
                "longer than the model's context");
        CliRunner.assertOneLineError(CliRunner.run("generate", "--model", ok.toString(), "--temperature", "0", "hi"), "--temperature");

        Path train = tmp.resolve("t.jsonl");
        Files.writeString(train, "{\"text\": \"hello\"}\n{\"text\": \"world\"}\n{\"text\": \"again\"}\n");
        // k/v are 2 heads x 8 = 16 wide: a kernel of 32 cannot tile them.
        CliRunner.assertOneLineError(CliRunner.run("train", "--task", "causal-lm", "--model", ok.toString(), "--train", train.toString(),
                "--method", "dcft", "--kernel", "32", "--target", "k_proj", "--out", tmp.resolve("run").toString(), "--quiet"), "k_proj");
        CliRunner.assertOneLineError(CliRunner.run("train", "--task", "causal-lm", "--model", "minilm-l6", "--train", train.toString(),
                "--out", tmp.resolve("run2").toString()), "--model DIR");
        CliRunner.assertOneLineError(CliRunner.run("generate", "--model", ok.toString(), "--chat", "--adapter", tmp.resolve("none").toString(),
                "hi"), "none");
    }
}
