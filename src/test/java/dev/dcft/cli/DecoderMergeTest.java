package dev.dcft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TinyDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dcft merge} on a decoder: the written directory scores texts as the base with the adapter unmerged does, keeps
 * the base's config and tokenizer files byte for byte, holds only base tensor names, and an existing directory is
 * refused without being touched. (That Hugging Face's AutoModelForCausalLM loads it and agrees is checked by
 * scripts/fixtures/check_causal_lm_in_peft.py; results/peft-interop/causal-lm-in-peft.txt.)
 */
class DecoderMergeTest {
    private static final String[] TEXTS = {"next 4 = 5", "Hello there", "reverse 123 = 321"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"lora", "dcft"})
    void mergedDirectoryScoresAsTheUnmergedAdapter(String method) throws Exception {
        Path model = tmp.resolve("model");
        TinyDecoder.write(model, TinyDecoder.config(32, 2, 4, 2, 48, 64), 0.02, 0.25, 5);
        Path train = tmp.resolve("train.jsonl");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            rows.add("{\"text\": \"next " + (i % 10) + " = " + ((i + 1) % 10) + "\"}");
        }
        Files.write(train, rows);
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("--threads", "1", "train", "--task", "causal-lm", "--model", model.toString(), "--train",
                train.toString(), "--method", method, method.equals("lora") ? "--rank" : "--kernel", method.equals("lora") ? "4" : "8", "--target",
                "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", "--lr", "2e-2", "--max-steps", "4", "--batch", "8",
                "--out", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        Path adapter = run.resolve("adapter");

        Path merged = tmp.resolve("merged");
        CliRunner.Result m = CliRunner.run("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("(14 layers)"), m.out());

        double[] unmerged = nll("--model", model.toString(), "--adapter", adapter.toString());
        double[] base = nll("--model", model.toString());
        double[] fromMerged = nll("--model", merged.toString());
        boolean moved = false;
        for (int i = 0; i < TEXTS.length; i++) {
            assertEquals(unmerged[i], fromMerged[i], 1e-5 * Math.abs(unmerged[i]), TEXTS[i]);
            moved |= Math.abs(unmerged[i] - base[i]) > 1e-3;
        }
        assertTrue(moved, "the trained adapter should change the model, or the comparison proves nothing");

        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json"}) {
            assertArrayEquals(Files.readAllBytes(model.resolve(f)), Files.readAllBytes(merged.resolve(f)), f);
        }
        assertEquals(JSON.readTree(model.resolve("config.json").toFile()), JSON.readTree(merged.resolve("config.json").toFile()));
        assertEquals(SafetensorsReader.read(model.resolve("model.safetensors")).keySet(),
                SafetensorsReader.read(merged.resolve("model.safetensors")).keySet());

        byte[] before = Files.readAllBytes(merged.resolve("model.safetensors"));
        CliRunner.assertOneLineError(CliRunner.run("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                merged.toString()), merged.getFileName().toString());
        assertArrayEquals(before, Files.readAllBytes(merged.resolve("model.safetensors")));
    }

    private static double[] nll(String... model) throws Exception {
        List<String> args = new ArrayList<>(List.of("perplexity", "--json"));
        args.addAll(List.of(model));
        args.addAll(List.of(TEXTS));
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode results = JSON.readTree(r.out()).get("results");
        double[] out = new double[TEXTS.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = results.get(i).get("nll").asDouble();
        }
        return out;
    }
}
