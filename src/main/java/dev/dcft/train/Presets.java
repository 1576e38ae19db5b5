package dev.dcft.train;

import dev.dcft.adapters.Method;
import dev.dcft.data.GlueTask;

/**
 * Default hyperparameters. {@code cpu} (the default) is a budget a 2-core machine finishes in
 * minutes with the embedded MiniLM: at most 600 steps of 32, maximum length 128 (64 for CoLA),
 * 6% warmup, per-method learning rates that work at that budget. {@code paper} is SPEC section 5
 * (DeBERTaV3-base's settings) for the task, with the paper's alpha converted to our scale:
 * the released code scales by {@code lora_alpha / 8}, ours by {@code alpha / r}.
 */
public final class Presets {
    private Presets() {
    }

    /** One task's reference row: lr, epochs, max length, warmup steps (or ratio when below 1), wd, cls dropout, gamma, paper alpha. */
    record PaperRow(double lr, double epochs, int maxLen, double warmup, double weightDecay, double clsDropout, double gamma,
            double alpha, int batch) {
    }

    static PaperRow paper(GlueTask task) {
        return switch (task) {
            case COLA -> new PaperRow(8e-4, 25, 64, 100, 0, 0.10, 0.1, 32, 32);
            case SST2 -> new PaperRow(8e-4, 24, 128, 1000, 0.01, 0, 0.1, 16, 32);
            case MRPC -> new PaperRow(1e-3, 30, 320, 0.1, 0.01, 0, 0.1, 32, 32);
            case QQP -> new PaperRow(8e-4, 5, 320, 2000, 0.01, 0.15, 0.1, 16, 32);
            case STSB -> new PaperRow(2.2e-3, 25, 128, 100, 0.1, 0.2, 0.3, 32, 32);
            case MNLI -> new PaperRow(5e-4, 7, 256, 1000, 0, 0.15, 0.1, 16, 32);
            case QNLI -> new PaperRow(5e-4, 5, 512, 500, 0.01, 0.1, 0.1, 32, 16);
            case RTE -> new PaperRow(1.2e-3, 50, 320, 200, 0.01, 0.2, 0.3, 32, 32);
            case WNLI -> new PaperRow(1e-3, 30, 128, 0.1, 0.01, 0.1, 0.1, 32, 32);
        };
    }

    /** CPU-budget learning rate per method. */
    public static double cpuLearningRate(Method method) {
        return switch (method) {
            case DCFT -> 5e-3;
            case LORA -> 1e-3;
            case HEAD -> 5e-3;
            case FULL -> 5e-5;
        };
    }

    /** The preset's values as a config; CLI options then override field by field. */
    public static TrainConfig base(String preset, GlueTask task, Method method, String model) {
        switch (preset) {
            case "cpu" -> {
                return new TrainConfig(task.cliName(), model, method.cliName(), 8, 8, method == Method.LORA ? 8 : 1,
                        method == Method.LORA ? 16 : 4, "gaussian", 0, null, null, cpuLearningRate(method), 3, 600, 32,
                        task == GlueTask.COLA ? 64 : 128, 0, 0.06, 0.01, 0.1, 0.1, "released", 1.0, 100, 100, 42, 0, 0, 0,
                        false, "cpu", null, null, false);
            }
            case "paper" -> {
                PaperRow r = paper(task);
                int warmupSteps = r.warmup() >= 1 ? (int) r.warmup() : 0;
                double warmupRatio = r.warmup() < 1 ? r.warmup() : 0;
                return new TrainConfig(task.cliName(), model, method.cliName(), 8, 8, method == Method.LORA ? 8 : 1,
                        method == Method.LORA ? 16 : r.alpha() / 8, "gaussian", 0, null, null, r.lr(), r.epochs(), 0, r.batch(),
                        r.maxLen(), warmupSteps, warmupRatio, r.weightDecay(), r.clsDropout(), r.gamma(), "released", 1.0, 0, 500, 42,
                        0, 0, 0, false, "paper", null, null, false);
            }
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "' (cpu or paper)");
        }
    }
}
