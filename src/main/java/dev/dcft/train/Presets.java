package dev.dcft.train;

import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.MethodOptions;
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

    /** CPU-budget learning rate: the adapter method's own, 5e-3 for the head alone, 5e-5 for full fine-tuning. */
    public static double cpuLearningRate(String method) {
        AdapterSpec baseline = AdapterSpec.baseline(method);
        if (baseline == null) {
            return AdapterMethods.forName(method, MethodOptions.empty()).cpuLearningRate();
        }
        return baseline.isFull() ? 5e-5 : 5e-3;
    }

    /** The preset's values for {@code method}; CLI and API options then override field by field. */
    public static TrainConfig.Builder base(String preset, GlueTask task, String method, String model) {
        TrainConfig.Builder b = TrainConfig.builder().task(task.cliName()).model(model).method(method).clipNorm(1.0).seed(42);
        boolean adapter = AdapterSpec.baseline(method) == null;
        switch (preset) {
            case "cpu" -> {
                return b.lr(cpuLearningRate(method)).epochs(3).maxSteps(600).batch(32).maxLen(task == GlueTask.COLA ? 64 : 128)
                        .warmupRatio(0.06).weightDecay(0.01).clsDropout(0.1).evalEvery(100).saveEvery(100).preset("cpu");
            }
            case "paper" -> {
                PaperRow r = paper(task);
                if (adapter) {
                    b.adapter(AdapterMethods.forName(method, MethodOptions.empty()).paperOptions(r.alpha(), r.gamma()));
                }
                return b.lr(r.lr()).epochs(r.epochs()).batch(r.batch()).maxLen(r.maxLen())
                        .warmupSteps(r.warmup() >= 1 ? (int) r.warmup() : 0).warmupRatio(r.warmup() < 1 ? r.warmup() : 0)
                        .weightDecay(r.weightDecay()).clsDropout(r.clsDropout()).saveEvery(500).preset("paper");
            }
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "' (cpu or paper)");
        }
    }
}
