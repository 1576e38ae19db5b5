package dev.dcft.api;

/** Hears about training as it goes: after every optimizer step. */
@FunctionalInterface
public interface ProgressListener {
    void onStep(int step, int totalSteps, int epoch, double loss, double tokensPerSecond);
}
