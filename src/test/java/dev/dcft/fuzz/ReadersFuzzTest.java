package dev.dcft.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dcft.data.BadRowException;
import dev.dcft.data.TableReader;
import dev.dcft.data.squad.SquadReader;
import dev.dcft.experiment.Grid;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.io.onnx.OnnxGraph;
import dev.dcft.io.proto.ProtoReader;
import dev.dcft.io.pytorch.PytorchBinReader;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.io.tf.TfBundleReader;
import dev.dcft.model.tokenizer.SentencePieceTokenizerJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One fuzz target per reader of files that come from strangers. The contract of each: it returns a
 * value or throws the reader's own one-line exception ({@link ModelFormatException} and its kind,
 * {@link BadRowException} for table rows, {@link IllegalArgumentException} for a grid's own
 * checks). Anything else (an unchecked exception of another kind, a stack overflow, an
 * OutOfMemoryError from a forged length, a hang) is a finding.
 *
 * <p>{@code mvn verify} replays the committed inputs under
 * {@code src/test/resources/dev/dcft/fuzz/ReadersFuzzTestInputs/<target>/} (seeds from the test
 * fixtures, and every past finding); {@code scripts/fuzz.sh TARGET --minutes N} fuzzes one
 * target with {@code JAZZER_FUZZ=1} in a JVM of 1 GB, so an allocation far beyond an input of a
 * few kilobytes shows as an OutOfMemoryError.
 */
class ReadersFuzzTest {
    private static final Path SCRATCH;

    static {
        try {
            SCRATCH = Files.createTempDirectory("dcft-fuzz");
            SCRATCH.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The input as a file named {@code name} (the readers take paths; several decide the format by the name). */
    static Path file(String name, byte[] data) {
        try {
            Path p = SCRATCH.resolve(name);
            Files.write(p, data);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    interface Reading {
        void run() throws Exception;
    }

    /** Runs a reading; the reader's own exceptions are answers, not findings. */
    static void contract(Reading r, Class<?>... own) {
        try {
            r.run();
        } catch (Exception e) {
            for (Class<?> c : own) {
                if (c.isInstance(e)) {
                    return;
                }
            }
            throw new AssertionError("not the reader's own exception: " + e, e);
        }
    }

    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void safetensors(byte[] data) {
        contract(() -> SafetensorsReader.read(file("model.safetensors", data)), ModelFormatException.class);
    }

    /** pytorch_model.bin: the zip container and, inside it, the restricted unpickler. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void pytorchBin(byte[] data) {
        contract(() -> PytorchBinReader.read(file("pytorch_model.bin", data)), ModelFormatException.class);
    }

    /** A TensorFlow bundle's index: the LevelDB table, its snappy blocks and each BundleEntryProto. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void tfBundleIndex(byte[] data) {
        contract(() -> TfBundleReader.readIndex(data, "bert_model.ckpt.index"), ModelFormatException.class);
    }

    /** An ONNX model: the protobuf walk over the graph and its initializers. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void onnxGraph(byte[] data) {
        contract(() -> OnnxGraph.parse(ByteBuffer.wrap(data), "model.onnx"), ModelFormatException.class);
    }

    /** The protobuf wire format itself: every field of every nested message, as the readers above walk it. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void protoWire(byte[] data) {
        contract(() -> walk(new ProtoReader(ByteBuffer.wrap(data), 0, data.length), 0), ProtoReader.ProtoException.class);
    }

    private static void walk(ProtoReader r, int depth) {
        while (r.hasMore()) {
            int tag = r.readTag();
            if ((tag & 7) == ProtoReader.LENGTH_DELIMITED && depth < 8) {
                ProtoReader inner = r.readMessage();
                try {
                    walk(inner, depth + 1);
                } catch (ProtoReader.ProtoException notAMessage) {
                    // bytes or a string, not a nested message: what a reader that knows the schema would skip
                }
            } else {
                r.skip(tag & 7);
            }
        }
    }

    /** A SentencePiece model turned into tokenizer.json. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void sentencePiece(byte[] data) {
        contract(() -> SentencePieceTokenizerJson.fromModel(data, SentencePieceTokenizerJson.Options.from(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()), "spm.model"),
                ModelFormatException.class);
    }

    /** The user's CSV, TSV and JSONL files, every row read: the first byte picks the format. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void tables(byte[] data) {
        if (data.length == 0) {
            return;
        }
        String ext = List.of("csv", "tsv", "jsonl").get(Math.floorMod(data[0], 3));
        byte[] rest = java.util.Arrays.copyOfRange(data, 1, data.length);
        contract(() -> {
            try (TableReader t = TableReader.open(file("data." + ext, rest).toString(), null)) {
                while (t.hasNext()) {
                    TableReader.problem(t.next());
                }
            }
        }, ModelFormatException.class, BadRowException.class);
    }

    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void squad(byte[] data) {
        contract(() -> SquadReader.read(file("dev.json", data), false), ModelFormatException.class, BadRowException.class);
        contract(() -> SquadReader.read(file("dev.json", data), true), ModelFormatException.class, BadRowException.class);
    }

    /** adapter_config.json (PEFT's fields, LoRA's and DCFT's) beside a fixed, valid weights file. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void adapterConfig(byte[] data) throws IOException {
        Path dir = SCRATCH.resolve("adapter");
        Files.createDirectories(dir);
        Path weights = dir.resolve(PeftAdapterFiles.WEIGHTS);
        if (!Files.exists(weights)) {
            Files.copy(Path.of("src/test/resources/fixtures/peft/bert-adapters/plain").resolve(PeftAdapterFiles.WEIGHTS), weights);
        }
        Files.write(dir.resolve(PeftAdapterFiles.CONFIG), data);
        contract(() -> PeftAdapterFiles.load(dir), ModelFormatException.class);
    }

    /** A grid file of dcft experiment. */
    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void grid(byte[] data) {
        contract(() -> {
            Grid g = Grid.read(file("grid.json", data));
            g.runs().forEach(g::trainArgs);
        }, IllegalArgumentException.class, IOException.class);
    }
}
