package dev.dcft.train;

/**
 * A training loop that can be asked to stop cleanly (Ctrl-C, SIGTERM): it finishes the current step, saves a checkpoint
 * and returns an interrupted result, so that {@code dcft train --resume} continues bit-identically. Both the encoder
 * {@link Trainer} and the causal-LM loop are.
 */
public interface Stoppable {
    /** Asks the loop to save a checkpoint and stop after the current step; waits up to {@code waitSeconds} for it. */
    void requestStop(long waitSeconds);

    /** Steps finished so far. */
    int completedSteps();
}
