package dev.dcft.io;

import java.nio.file.Path;

/** One checkpoint file format found in a model directory. */
public interface CheckpointReader {
    /** A short name for messages: "safetensors", "pytorch_model.bin", ... */
    String format();

    /** Whether {@code dir} holds a checkpoint in this format. */
    boolean accepts(Path dir);

    Checkpoint read(Path dir);
}
