package dev.dcft.train;

/**
 * Linear warmup from 0 to the peak, then linear decay to 0 at the last step: Hugging Face's
 * {@code get_linear_schedule_with_warmup}, step for step.
 */
public record LinearSchedule(double peak, int warmupSteps, int totalSteps) {
    /** The learning rate for optimizer step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        return peak * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
