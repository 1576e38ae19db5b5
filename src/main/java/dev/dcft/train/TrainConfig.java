package dev.dcft.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.dcft.engine.Precision;
import java.util.List;

/**
 * Everything a run depends on; written to RUN_DIR/config.json so that a run can be repeated or
 * resumed. Step counts are optimizer steps; {@code maxSteps} 0 means "the epochs decide". {@code data}
 * is null for GLUE tasks.
 *
 * <p>{@code headLr} and {@code headWeightDecay} are the rate and decay of the modules saved whole
 * (pooler, classifier, qa_outputs): null means the adapter's ({@code lr}, {@code weightDecay}), as
 * PEFT trains them. {@code holdout} above 0 holds out that seeded, stratified fraction of the
 * training data for evaluation and best-checkpoint selection, so that no setting is chosen on the
 * dev set that is then reported.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainConfig(
        String task,
        String model,
        String method,
        int kernel,
        int stride,
        int rank,
        double alpha,
        String init,
        double adapterDropout,
        List<String> targets,
        String targetRegex,
        double lr,
        double epochs,
        int maxSteps,
        int batch,
        int maxLen,
        int warmupSteps,
        double warmupRatio,
        double weightDecay,
        double clsDropout,
        double gamma,
        String regForm,
        double clipNorm,
        int evalEvery,
        int saveEvery,
        long seed,
        int threads,
        int trainLimit,
        int evalLimit,
        boolean skipBadRows,
        String preset,
        DataConfig data,
        String precision,
        boolean groupByLength,
        Double headLr,
        Double headWeightDecay,
        double holdout,
        LoraOptions lora) {

    /**
     * LoRA's refinements beyond rank and alpha (null: none): rsLoRA's scale {@code alpha / sqrt(r)},
     * and PEFT's per-module {@code rank_pattern} and {@code alpha_pattern}.
     */
    public record LoraOptions(boolean rslora, java.util.Map<String, Integer> rankPattern, java.util.Map<String, Double> alphaPattern) {
    }

    /** A configuration without parameter groups or holdout (the fields that came before them). */
    public TrainConfig(String task, String model, String method, int kernel, int stride, int rank, double alpha, String init,
            double adapterDropout, List<String> targets, String targetRegex, double lr, double epochs, int maxSteps, int batch, int maxLen,
            int warmupSteps, double warmupRatio, double weightDecay, double clsDropout, double gamma, String regForm, double clipNorm,
            int evalEvery, int saveEvery, long seed, int threads, int trainLimit, int evalLimit, boolean skipBadRows, String preset,
            DataConfig data, String precision, boolean groupByLength) {
        this(task, model, method, kernel, stride, rank, alpha, init, adapterDropout, targets, targetRegex, lr, epochs, maxSteps, batch,
                maxLen, warmupSteps, warmupRatio, weightDecay, clsDropout, gamma, regForm, clipNorm, evalEvery, saveEvery, seed, threads,
                trainLimit, evalLimit, skipBadRows, preset, data, precision, groupByLength, null, null, 0, null);
    }

    /** The task name GLUE runs carry; runs on the user's files are "custom". */
    public static final String CUSTOM = "custom";

    public boolean isCustom() {
        return data != null && data.trainFile() != null && !isSquad();
    }

    /** SQuAD v1.1 ({@code squad}) or v2.0 ({@code squad2}). */
    public boolean isSquad() {
        return "squad".equals(task) || isSquadV2();
    }

    public boolean isSquadV2() {
        return "squad2".equals(task);
    }

    public TrainConfig withTask(String t) {
        return with(t, data, headLr, headWeightDecay, holdout, lora);
    }

    public TrainConfig withData(DataConfig d) {
        return with(task, d, headLr, headWeightDecay, holdout, lora);
    }

    /** The head's own rate and decay (null: the adapter's) and the held-out fraction of the training data (0: none). */
    public TrainConfig withHeadAndHoldout(Double headRate, Double headDecay, double heldOut) {
        return with(task, data, headRate, headDecay, heldOut, lora);
    }

    /** With LoRA's refinements (rsLoRA, per-module ranks and alphas). */
    public TrainConfig withLora(LoraOptions options) {
        return with(task, data, headLr, headWeightDecay, holdout, options);
    }

    /** A copy with the fields the withers change; every other field kept. */
    private TrainConfig with(String t, DataConfig d, Double headRate, Double headDecay, double heldOut, LoraOptions options) {
        return new TrainConfig(t, model, method, kernel, stride, rank, alpha, init, adapterDropout, targets, targetRegex, lr, epochs,
                maxSteps, batch, maxLen, warmupSteps, warmupRatio, weightDecay, clsDropout, gamma, regForm, clipNorm, evalEvery,
                saveEvery, seed, threads, trainLimit, evalLimit, skipBadRows, preset, d, precision, groupByLength, headRate, headDecay,
                heldOut, options);
    }

    /** The peak learning rate of the head (pooler, classifier, qa_outputs). */
    public double headRate() {
        return headLr != null ? headLr : lr;
    }

    /** The head's decoupled weight decay. */
    public double headDecay() {
        return headWeightDecay != null ? headWeightDecay : weightDecay;
    }

    /** Whether evaluation and best-checkpoint selection use a slice of the training data instead of the dev set. */
    public boolean heldOut() {
        return holdout > 0;
    }

    /** How the frozen base is stored and multiplied; runs written before the option existed are fp32. */
    public Precision precisionMode() {
        return precision == null ? Precision.FP32 : Precision.parse(precision);
    }

    /** Warmup in steps: explicit steps win, else a ratio of the total. */
    public int warmup(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.round(warmupRatio * totalSteps);
    }
}
