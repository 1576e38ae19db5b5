package dev.dcft.train;

/** The loss became NaN or infinite; the run stops and its last good checkpoint stays. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
