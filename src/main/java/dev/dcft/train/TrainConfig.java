package dev.dcft.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.dcft.engine.Precision;
import java.util.List;

/**
 * Everything a run depends on; written to RUN_DIR/config.json so that a run can be repeated or
 * resumed. Step counts are optimizer steps; {@code maxSteps} 0 means "the epochs decide". {@code data}
 * is null for GLUE tasks.
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
        boolean groupByLength) {

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
        return new TrainConfig(t, model, method, kernel, stride, rank, alpha, init, adapterDropout, targets, targetRegex, lr, epochs,
                maxSteps, batch, maxLen, warmupSteps, warmupRatio, weightDecay, clsDropout, gamma, regForm, clipNorm, evalEvery,
                saveEvery, seed, threads, trainLimit, evalLimit, skipBadRows, preset, data, precision, groupByLength);
    }

    public TrainConfig withData(DataConfig d) {
        return new TrainConfig(task, model, method, kernel, stride, rank, alpha, init, adapterDropout, targets, targetRegex, lr, epochs,
                maxSteps, batch, maxLen, warmupSteps, warmupRatio, weightDecay, clsDropout, gamma, regForm, clipNorm, evalEvery,
                saveEvery, seed, threads, trainLimit, evalLimit, skipBadRows, preset, d, precision, groupByLength);
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
