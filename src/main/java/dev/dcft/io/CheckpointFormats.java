package dev.dcft.io;

import dev.dcft.io.onnx.OnnxCheckpointReader;
import dev.dcft.io.pytorch.PytorchCheckpointReader;
import dev.dcft.io.safetensors.SafetensorsCheckpointReader;
import dev.dcft.io.tf.TfCheckpointReader;
import java.nio.file.Path;
import java.util.List;

/**
 * The checkpoint formats a model directory may hold, in order of preference: safetensors first
 * (no code, no pickles), then PyTorch's {@code pytorch_model.bin} (read without executing
 * anything), TensorFlow checkpoints, and ONNX exports.
 */
public final class CheckpointFormats {
    public static final List<CheckpointReader> READERS = List.of(
            new SafetensorsCheckpointReader(), new PytorchCheckpointReader(), new TfCheckpointReader(), new OnnxCheckpointReader());

    private CheckpointFormats() {
    }

    /** The reader of the first format found in {@code dir}, or null. */
    public static CheckpointReader find(Path dir) {
        for (CheckpointReader r : READERS) {
            if (r.accepts(dir)) {
                return r;
            }
        }
        return null;
    }

    public static String expected() {
        return "config.json with model.safetensors, pytorch_model.bin (or their sharded index), a TensorFlow checkpoint"
                + " (bert_model.ckpt.index or variables/variables.index) with bert_config.json, or model.onnx";
    }
}
