package dev.dcft.io.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.ShardIndex;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pytorch_model.bin files written by torch.save itself (scripts/fixtures/make_fixtures.py, PyTorch
 * 1.13) against the values PyTorch printed; hostile pickles refused, their payload never run.
 */
class PytorchBinTest {
    /** What every hostile fixture's payload would create if anything executed it. */
    static final Path MARKER = Path.of("/tmp/dcft-pickle-payload-ran");

    @TempDir
    Path tmp;

    @BeforeEach
    void noMarker() throws IOException {
        Files.deleteIfExists(MARKER);
    }

    static Path fixture(Path dir, String name) throws IOException {
        try (InputStream in = PytorchBinTest.class.getResourceAsStream("/fixtures/torch/" + name)) {
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    @Test
    void readsWhatTorchSaved() throws IOException {
        Map<String, HostTensor> t = PytorchBinReader.read(fixture(tmp, "state.bin"));
        JsonNode expected = new ObjectMapper().readTree(getClass().getResourceAsStream("/fixtures/torch/state.json"));
        assertEquals(expected.size(), t.size(), "every floating tensor, the int64 buffer skipped: " + t.keySet());
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            HostTensor got = t.get(e.getKey());
            long[] shape = new long[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.getValue().get("shape").get(i).asLong();
            }
            assertArrayEquals(shape, got.shape(), e.getKey());
            JsonNode data = e.getValue().get("data");
            for (int i = 0; i < data.size(); i++) {
                // fp16/bf16 values are exact in fp32; PyTorch printed them through float().
                assertEquals((float) data.get(i).asDouble(), got.data()[i], 0f, e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void shardedIndexReadsEveryShard() throws IOException {
        for (String f : new String[] {"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json"}) {
            fixture(tmp, f);
        }
        Map<String, HostTensor> all = new LinkedHashMap<>();
        for (Path shard : ShardIndex.shards(tmp.resolve("pytorch_model.bin.index.json"))) {
            all.putAll(PytorchBinReader.read(shard));
        }
        assertEquals(java.util.Set.of("encoder.w", "encoder.half"), all.keySet());
    }

    /** Protocol-2 pickles name Python 3 globals by their Python 2 names (pickle.fix_imports): what the file says is what we report. */
    @ParameterizedTest
    @ValueSource(strings = {"hostile-system.bin:posix.system", "hostile-eval.bin:__builtin__.eval",
        "hostile-subprocess.bin:commands.Popen", "hostile-nested.bin:posix.system"})
    void hostilePicklesAreRefusedAndNeverRun(String spec) throws IOException {
        String[] parts = spec.split(":");
        Path file = fixture(tmp, parts[0]);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> PytorchBinReader.read(file));
        assertTrue(e.getMessage().contains("refuses global '" + parts[1] + "'"), e.getMessage());
        assertFalse(Files.exists(MARKER), "the payload ran");
        Path dir = modelWithBin(file);
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", dir.toString()), "pytorch_model.bin", "refuses global '" + parts[1] + "'");
        assertFalse(Files.exists(MARKER), "the payload ran");
    }

    /** A tiny BERT directory whose weights are {@code bin} (config and tokenizer from a real model). */
    private Path modelWithBin(Path bin) throws IOException {
        Path dir = tmp.resolve("model-" + System.nanoTime());
        TestModels.writeTinyHfDirectory(dir, false, 3);
        Files.delete(dir.resolve("model.safetensors"));
        Files.copy(bin, dir.resolve("pytorch_model.bin"));
        return dir;
    }

    @Test
    void safetensorsIsPreferredOverABinBesideIt() throws IOException {
        Path dir = tmp.resolve("both");
        TestModels.writeTinyHfDirectory(dir, false, 3);
        Files.copy(fixture(tmp, "hostile-system.bin"), dir.resolve("pytorch_model.bin"));
        CliRunner.Result r = CliRunner.run("info", "--model", dir.toString());
        assertTrue(r.code() == 0, r.err());
        assertFalse(Files.exists(MARKER), "the payload ran");
    }

    @Test
    void legacyRawPickleGetsAClearMessage() throws IOException {
        Path file = fixture(tmp, "legacy.bin");
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", modelWithBin(file).toString()),
                "legacy PyTorch serialization", "re-save");
    }

    @Test
    void truncatedZipIsRefused() throws IOException {
        byte[] all = Files.readAllBytes(fixture(tmp, "state.bin"));
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> PytorchBinReader.read(cut));
        assertTrue(e.getMessage().contains("cut.bin"), e.getMessage());
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", modelWithBin(cut).toString()), "pytorch_model.bin");
    }

    @Test
    void storageShorterThanItsTensorIsRefused() throws IOException {
        Path file = fixture(tmp, "short-storage.bin");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> PytorchBinReader.read(file));
        assertTrue(e.getMessage().contains("storage shorter than its tensor"), e.getMessage());
        CliRunner.assertOneLineError(CliRunner.run("info", "--model", modelWithBin(file).toString()), "storage shorter than its tensor");
    }

    @Test
    void garbageIsNotACheckpoint() throws IOException {
        Path file = tmp.resolve("garbage.bin");
        Files.writeString(file, "this is not a checkpoint at all");
        assertThrows(ModelFormatException.class, () -> PytorchBinReader.read(file));
    }
}
