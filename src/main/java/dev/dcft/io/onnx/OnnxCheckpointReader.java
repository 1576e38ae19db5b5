package dev.dcft.io.onnx;

import dev.dcft.io.Checkpoint;
import dev.dcft.io.CheckpointReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A directory with {@code model.onnx} (or {@code onnx/model.onnx}): a BERT-family export, config inferred from the graph. */
public final class OnnxCheckpointReader implements CheckpointReader {
    @Override
    public String format() {
        return "onnx";
    }

    @Override
    public boolean accepts(Path dir) {
        return file(dir) != null;
    }

    @Override
    public Checkpoint read(Path dir) {
        return readFile(file(dir));
    }

    public static Checkpoint readFile(Path onnx) {
        OnnxBertImporter.Imported imported = OnnxBertImporter.importGraph(OnnxGraph.read(onnx));
        return new Checkpoint(imported.config().toJson(), onnx.toString(), imported.tensors(), onnx.toString());
    }

    private static Path file(Path dir) {
        for (Path p : List.of(dir.resolve("model.onnx"), dir.resolve("onnx").resolve("model.onnx"))) {
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }
}
