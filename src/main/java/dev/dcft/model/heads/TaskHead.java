package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import dev.dcft.model.Encoder;

/** What sits on the encoder for a task: its outputs from the last hidden states. */
public interface TaskHead {
    /** The head's outputs: {@code [B, labels]} for sequence tasks, {@code [B, T, 2]} for question answering. */
    NDArray forward(Encoder encoder, NDArray lastHidden, NDArray mask);

    /** The module names it saves under (PEFT's {@code modules_to_save}). */
    java.util.List<String> moduleNames();
}
