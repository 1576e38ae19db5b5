package dev.dcft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.io.AtomicFiles;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.RawSafetensors;
import dev.dcft.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad model input gives exit code 1, one line on stderr naming the file and the problem, no
 * stack trace, and no output directory (nothing half-written).
 */
class BadInputTest {
    @TempDir
    Path tmp;
    Path good;

    @BeforeEach
    void tinyModel() throws IOException {
        good = tmp.resolve("good");
        TestModels.writeTinyHfDirectory(good, false, 3);
    }

    static CliRunner.Result cli(String... args) {
        return CliRunner.run(args);
    }

    /** Runs export on a bad model and checks the one-line error and that --out was never created. */
    private void assertExportFails(Path model, String... fragments) throws IOException {
        Path out = tmp.resolve("out-" + System.nanoTime());
        CliRunner.Result r = cli("export", "--model", model.toString(), "--out", out.toString());
        assertEquals(1, r.code(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line, no stack trace: " + err);
        assertTrue(err.startsWith("dcft: error: "), err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' missing from: " + err);
        }
        assertFalse(Files.exists(out), "no output directory");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out-")), "no temp leftovers");
        }
    }

    private Path copyOfGood(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(good)) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        return dir;
    }

    @Test
    void goodTinyModelExports() {
        CliRunner.Result r = cli("export", "--model", good.toString(), "--out", tmp.resolve("fine").toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void missingWeights() throws IOException {
        Path dir = copyOfGood("noweights");
        Files.delete(dir.resolve("model.safetensors"));
        assertExportFails(dir, "noweights", "missing model.safetensors");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path dir = copyOfGood("notok");
        Files.delete(dir.resolve("tokenizer.json"));
        assertExportFails(dir, "notok/tokenizer.json", "file not found");
    }

    @Test
    void notAModelDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        assertExportFails(dir, "empty", "not a model directory");
    }

    @Test
    void unknownModelName() throws IOException {
        assertExportFails(tmp.resolve("no-such-model"), "unknown model", "no-such-model");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path dir = copyOfGood("hdr");
        byte[] bytes = new RawSafetensors().putF32("x", new long[] {1}, new float[] {1}).bytes(5000L);
        Files.write(dir.resolve("model.safetensors"), bytes);
        assertExportFails(dir, "model.safetensors", "header length 5000 runs past the end of the file");
    }

    @Test
    void absurdHeaderLengthIsRefusedBeforeAllocating() throws IOException {
        Path dir = copyOfGood("huge");
        byte[] bytes = new RawSafetensors().putF32("x", new long[] {1}, new float[] {1}).bytes(1L << 40);
        Files.write(dir.resolve("model.safetensors"), bytes);
        assertExportFails(dir, "model.safetensors", "is not plausible");
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = copyOfGood("trunc");
        byte[] whole = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(whole, whole.length / 2));
        assertExportFails(dir, "model.safetensors", "outside the", "truncated or corrupt");
    }

    @Test
    void offsetsOutsideData() throws IOException {
        Path dir = copyOfGood("offsets");
        new RawSafetensors().putF32("embeddings.LayerNorm.weight", new long[] {2}, new float[] {1, 2})
                .overrideOffsets("embeddings.LayerNorm.weight", 0, 4000).write(dir.resolve("model.safetensors"));
        assertExportFails(dir, "model.safetensors", "embeddings.LayerNorm.weight", "data_offsets [0, 4000]");
    }

    @Test
    void unknownDtype() throws IOException {
        Path dir = copyOfGood("dtype");
        new RawSafetensors().put("w", "Q4_K", new long[] {2}, new byte[2]).write(dir.resolve("model.safetensors"));
        assertExportFails(dir, "model.safetensors", "unknown dtype 'Q4_K'");
    }

    @Test
    void byteCountDisagreesWithShape() throws IOException {
        Path dir = copyOfGood("count");
        new RawSafetensors().put("w", "F32", new long[] {3}, new byte[8]).write(dir.resolve("model.safetensors"));
        assertExportFails(dir, "model.safetensors", "'w' has 8 bytes", "expected 12");
    }

    @Test
    void shapeMismatchWithConfig() throws IOException {
        Path dir = copyOfGood("shape");
        String config = Files.readString(dir.resolve("config.json")).replace("\"intermediate_size\" : 32", "\"intermediate_size\" : 48");
        assertTrue(config.contains("48"));
        Files.writeString(dir.resolve("config.json"), config);
        assertExportFails(dir, "model.safetensors", "encoder.layer.0.intermediate.dense.weight", "[32, 16]", "[48, 16]");
    }

    @Test
    void unsupportedModelType() throws IOException {
        Path dir = copyOfGood("gpt");
        String config = Files.readString(dir.resolve("config.json")).replace("\"model_type\" : \"bert\"", "\"model_type\" : \"gpt2\"");
        Files.writeString(dir.resolve("config.json"), config);
        assertExportFails(dir, "config.json", "unsupported model_type 'gpt2'");
    }

    @Test
    void configMissingAField() throws IOException {
        Path dir = copyOfGood("nofield");
        String config = Files.readString(dir.resolve("config.json")).replace("\"num_hidden_layers\"", "\"num_layers_renamed\"");
        Files.writeString(dir.resolve("config.json"), config);
        assertExportFails(dir, "config.json", "missing field 'num_hidden_layers'");
    }

    @Test
    void truncatedOnnx() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("onnx-trunc"));
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            byte[] all = in.readAllBytes();
            Files.write(dir.resolve("model.onnx"), Arrays.copyOf(all, all.length / 3));
        }
        Files.write(dir.resolve("tokenizer.json"), TestModels.minilmTokenizerJson());
        assertExportFails(dir, "model.onnx", "corrupt or truncated ONNX file");
    }

    @Test
    void garbageOnnx() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("onnx-garbage"));
        Files.writeString(dir.resolve("model.onnx"), "this is not a protobuf at all, just text");
        Files.write(dir.resolve("tokenizer.json"), TestModels.minilmTokenizerJson());
        assertExportFails(dir, "model.onnx", "ONNX");
    }

    @Test
    void existingOutputIsNeverOverwritten() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("keep"));
        Files.writeString(out.resolve("precious.txt"), "mine");
        CliRunner.Result r = cli("export", "--model", good.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("exists and is not empty"), r.err());
        assertEquals("mine", Files.readString(out.resolve("precious.txt")));
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void failureWhileWritingLeavesNothing() throws IOException {
        Path out = tmp.resolve("half");
        try {
            AtomicFiles.writeDirectory(out, dir -> {
                Files.writeString(dir.resolve("config.json"), "{}");
                throw new IOException("disk full");
            });
        } catch (IOException expected) {
            assertEquals("disk full", expected.getMessage());
        }
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".half")));
        }
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRunner.Result r = cli("info", "--verbose", "--model", tmp.resolve("nothing").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().lines().count() > 2, r.err());
    }
}
