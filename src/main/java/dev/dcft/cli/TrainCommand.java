package dev.dcft.cli;

import dev.dcft.data.GlueTask;
import dev.dcft.data.TaskType;
import dev.dcft.train.DataConfig;
import dev.dcft.model.ModelLoader;
import dev.dcft.train.Stoppable;
import dev.dcft.train.TaskRun;
import dev.dcft.train.Presets;
import dev.dcft.train.TrainConfig;
import dev.dcft.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", sortOptions = false, description = {
        "Fine-tune an encoder with DCFT or a baseline on a GLUE task (--task) or your own CSV/TSV/JSONL file (--train) and report"
                + " the metrics (GLUE: the official ones; your data: accuracy, macro-F1 and MCC, Pearson/Spearman, or micro/macro-F1).",
        "Default preset 'cpu': at most 600 steps of batch 32 (about 3 epochs of the smaller tasks), max length 128"
                + " (CoLA 64), 6%% warmup, lr 5e-3 for dcft, 1e-3 lora, 5e-3 head, 5e-5 full; minutes per run with the"
                + " embedded MiniLM on 2 cores. '--preset paper' applies SPEC section 5 for the task.",
        "Writes RUN_DIR/{adapter/, metrics.json, log.jsonl, curves.png, config.json, checkpoint/}."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--task", description = "cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli, squad (v1.1), squad2 (v2.0),"
            + " or give --train.")
    String task;

    @Option(names = "--train-file", description = "SQuAD tasks: a SQuAD-format training file (default <data>/squad/v1.1|v2.0/train.json;"
            + " without one, an article split of dev.json).")
    String squadTrainFile;

    @Option(names = "--dev-file", description = "SQuAD tasks: a SQuAD-format evaluation file (default <data>/squad/v1.1|v2.0/dev.json).")
    String squadDevFile;

    @Option(names = "--doc-stride", description = "SQuAD tasks: overlap of consecutive context windows in tokens (default 128).")
    Integer docStride;

    @Option(names = "--max-answer-length", description = "SQuAD tasks: longest answer in tokens (default 30).")
    Integer maxAnswerLength;

    @Option(names = "--null-threshold", description = "SQuAD v2.0: answer \"\" when null score - best span score exceeds it (default 0).")
    Double nullThreshold;

    @Option(names = "--train", description = "Your own training file instead of a GLUE task: .csv (RFC 4180, header row), .tsv"
            + " (header row) or .jsonl (one object per line).")
    String trainFile;

    @Option(names = "--dev", description = "Your dev file (same columns). Absent: a seeded, stratified 10%% of --train is held out.")
    String devFile;

    @Option(names = "--format", description = "csv, tsv or jsonl when the extension does not say.")
    String format;

    @Option(names = "--text-column", description = "Column with the text (default: text, sentence, sentence1 or question).")
    String textColumn;

    @Option(names = "--text-pair-column", description = "Column with a second text, for pair tasks.")
    String textPairColumn;

    @Option(names = "--label-column", description = "Column with the label (default: label, labels or score).")
    String labelColumn;

    @Option(names = "--task-type", description = "classification, regression or multi-label (default: inferred from the labels:"
            + " strings or integers -> classification, fractional numbers -> regression, lists -> multi-label; in CSV/TSV,"
            + " multi-label values are '|'-separated).")
    String taskType;

    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL, description = "Base model. Default: ${DEFAULT-VALUE}.")
    String model;

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Option(names = "--method", defaultValue = "dcft", description = "dcft, lora, head or full. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--out", required = true, description = "Run directory (RUN_DIR).")
    Path out;

    @Option(names = "--preset", defaultValue = "cpu", description = "cpu or paper. Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--data", description = "Data directory (else $DCFT_DATA, else the cache of 'dcft data fetch').")
    Path data;

    @Option(names = "--target", split = ",", description = "target_modules suffixes (default: the six matrices of every layer).")
    List<String> targets;
    @Option(names = "--target-regex", description = "target_modules as a regular expression.")
    String targetRegex;

    @Option(names = "--lr", description = "Peak learning rate.")
    Double lr;
    @Option(names = "--head-lr", description = "Peak learning rate of the modules saved whole (pooler, classifier, qa_outputs);"
            + " default: --lr, as PEFT trains them. Same warmup and decay.")
    Double headLr;
    @Option(names = "--head-weight-decay", description = "Weight decay of those modules (default: --weight-decay).")
    Double headWeightDecay;
    @Option(names = "--holdout", description = "Hold out this fraction of the training data (seeded by --seed, stratified by label) for"
            + " evaluation and best-checkpoint selection; the dev set is then never read. For choosing settings without"
            + " touching the dev set you report. With --train and no --dev: the size of the held-out split (default 0.1).")
    Double holdout;
    // An explicit --epochs means that many epochs: the preset's step cap (cpu: 600) applies only when neither is given.
    @Option(names = "--epochs", description = "Epochs (fractions allowed); given without --max-steps, the preset's step cap is dropped.")
    Double epochs;
    @Option(names = "--max-steps", description = "Optimizer steps; overrides --epochs when > 0.")
    Integer maxSteps;
    @Option(names = "--batch", description = "Batch size.")
    Integer batch;
    @Option(names = "--max-len", description = "Maximum tokens per example (pairs truncated longest-first).")
    Integer maxLen;
    @Option(names = "--warmup", description = "Warmup steps (else --warmup-ratio).")
    Integer warmup;
    @Option(names = "--warmup-ratio", description = "Warmup as a fraction of all steps.")
    Double warmupRatio;
    @Option(names = "--weight-decay", description = "Decoupled weight decay.")
    Double weightDecay;
    @Option(names = "--cls-dropout", description = "Dropout before the classifier.")
    Double clsDropout;
    @Option(names = "--clip", description = "Gradient clipping by global norm (default 1.0; 0 disables).")
    Double clip;
    @Option(names = "--eval-every", description = "Evaluate every N steps (also at each epoch's end).")
    Integer evalEvery;
    @Option(names = "--save-every", description = "Checkpoint every N steps.")
    Integer saveEvery;
    @Option(names = "--seed", description = "Random seed (default 42).")
    Long seed;
    @Option(names = "--train-limit", description = "Use only the first N training examples.")
    Integer trainLimit;
    @Option(names = "--eval-limit", description = "Evaluate on the first N dev examples only.")
    Integer evalLimit;
    @Option(names = "--skip-bad-rows", description = "Skip and count malformed data rows instead of stopping.")
    boolean skipBadRows;
    @Option(names = "--group-by-length", description = "Batch examples of similar length together (Hugging Face's group_by_length: "
            + "shuffled, then sorted by length within chunks of 50 batches); less padding, same examples per epoch.")
    boolean groupByLength;

    @Option(names = "--resume", description = "Continue RUN_DIR from its last checkpoint (its config.json decides everything).")
    boolean resume;
    @Option(names = "--overwrite", description = "Replace an existing RUN_DIR.")
    boolean overwrite;
    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    TrainConfig config(int threads) {
        if (task == null && trainFile == null) {
            throw new IllegalArgumentException("give --task (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli) or --train FILE");
        }
        boolean causal = TrainConfig.CAUSAL_LM.equalsIgnoreCase(task);
        if (causal && trainFile == null) {
            throw new IllegalArgumentException("--task causal-lm needs --train FILE (JSONL rows with text, prompt/completion or messages)");
        }
        if (causal && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(model))) {
            throw new IllegalArgumentException("--task causal-lm needs --model DIR, a Hugging Face decoder directory (Llama, Mistral, Qwen2)");
        }
        if (task != null && trainFile != null && !causal) {
            throw new IllegalArgumentException("give either --task or --train, not both");
        }
        if (trainFile == null && (devFile != null || textColumn != null || labelColumn != null || taskType != null)) {
            throw new IllegalArgumentException("--dev, --text-column, --label-column and --task-type go with --train");
        }
        if (trainFile != null && preset.equals("paper")) {
            throw new IllegalArgumentException("--preset paper holds the paper's per-task GLUE settings; with --train use cpu"
                    + " and set --lr/--epochs/--max-len as needed");
        }
        if (taskType != null) {
            TaskType.parse(taskType);
        }
        boolean squad = task != null && (task.equalsIgnoreCase("squad") || task.equalsIgnoreCase("squad2"));
        if (!squad && (squadTrainFile != null || squadDevFile != null || docStride != null || maxAnswerLength != null || nullThreshold != null)) {
            throw new IllegalArgumentException("--train-file, --dev-file, --doc-stride, --max-answer-length and --null-threshold go with --task squad|squad2");
        }
        if (squad && preset.equals("paper")) {
            throw new IllegalArgumentException("--preset paper holds the paper's GLUE settings; SQuAD runs use cpu");
        }
        // The user's own data takes the SST-2 row of the cpu preset: single-sentence classification, length 128.
        GlueTask t = trainFile != null || squad ? GlueTask.SST2 : GlueTask.parse(task);
        TrainConfig.Builder b = Presets.base(preset, t, method, model);
        if (holdout != null) {
            dev.dcft.data.Holdout.requireFraction(holdout, "--holdout");
        }
        if (holdout != null && squad) {
            throw new IllegalArgumentException("--holdout goes with GLUE tasks and --train; SQuAD runs choose their evaluation articles");
        }
        if (headLr != null && !(headLr >= 0)) {
            throw new IllegalArgumentException("--head-lr must be 0 or more, not " + headLr);
        }
        if (headLr != null && !(or(lr, b.lr()) > 0)) {
            throw new IllegalArgumentException("--head-lr needs a positive --lr");
        }
        TrainConfig base = b.build();
        b.adapter(b.adapter().overriddenBy(MethodOptionsCli.given(spec)))
                .task(squad ? task.toLowerCase(java.util.Locale.ROOT) : causal ? TrainConfig.CAUSAL_LM : trainFile != null ? TrainConfig.CUSTOM
                        : t.cliName())
                .targets(targets).targetRegex(targetRegex).lr(or(lr, base.lr())).epochs(or(epochs, base.epochs()))
                .maxSteps(or(maxSteps, causal || epochs != null ? 0 : base.maxSteps())).batch(or(batch, causal ? 8 : base.batch()))
                .maxLen(or(maxLen, squad ? 384 : causal ? 256 : base.maxLen()))
                .warmupSteps(warmup != null ? warmup : (warmupRatio != null ? 0 : base.warmupSteps()))
                .warmupRatio(or(warmupRatio, base.warmupRatio())).weightDecay(or(weightDecay, base.weightDecay()))
                .clsDropout(or(clsDropout, base.clsDropout())).clipNorm(or(clip, base.clipNorm())).evalEvery(or(evalEvery, base.evalEvery()))
                .saveEvery(or(saveEvery, base.saveEvery())).seed(or(seed, base.seed())).threads(threads).trainLimit(or(trainLimit, 0))
                .evalLimit(or(evalLimit, 0)).skipBadRows(skipBadRows)
                .data(squad ? DataConfig.squad(squadTrainFile, squadDevFile, or(docStride, 128), or(maxAnswerLength, 30), or(nullThreshold, 0.0))
                        : trainFile == null ? null
                        : new DataConfig(trainFile, devFile, format, textColumn, textPairColumn, labelColumn, taskType, null, false, 0.1))
                .precision(precisionOption.value().label()).groupByLength(groupByLength).headLr(headLr).headWeightDecay(headWeightDecay)
                .holdout(or(holdout, 0.0));
        return b.build();
    }

    private static <T> T or(T v, T fallback) {
        return v != null ? v : fallback;
    }

    @Override
    public Integer call() throws Exception {
        int threads = ((Main) spec.root().userObject()).threads;
        TrainConfig config = resume ? null : config(threads);
        if (config != null && config.batch() < 1) {
            throw new IllegalArgumentException("--batch must be at least 1");
        }
        var out = spec.commandLine().getOut();
        ProgressBar[] bar = {null};
        Stoppable[] running = {null};
        Thread hook = new Thread(() -> {
            if (running[0] != null) {
                System.err.println("\ndcft: interrupted: saving a checkpoint...");
                running[0].requestStop(120);
                // The JVM is shutting down: say it here, main may not get to print.
                System.err.printf("dcft: checkpoint saved after step %d; continue with: dcft train --resume --out %s%n",
                        running[0].completedSteps(), this.out);
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TaskRun.Outcome o = TaskRun.train(config, data, this.out, resume, overwrite, (step, total, epoch, loss, tps) -> {
                if (quiet) {
                    return;
                }
                if (bar[0] == null) {
                    bar[0] = new ProgressBarBuilder().setTaskName("train").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setConsumer(new ConsoleProgressBarConsumer(System.err, 120)).setUpdateIntervalMillis(500).build();
                }
                bar[0].stepTo(step);
                bar[0].setExtraMessage(String.format("epoch %d loss %.4f %.0f tok/s", epoch, loss, tps));
            }, t -> t.evalProgress = (done, total) -> {
                if (bar[0] != null && total >= 500) {
                    bar[0].setExtraMessage(String.format("evaluating %,d/%,d", done, total));
                }
            }, note -> out.println(note), loop -> running[0] = loop);
            if (bar[0] != null) {
                bar[0].close();
            }
            if (o.result().interrupted()) {
                out.printf("interrupted at step %d: checkpoint saved; continue with: dcft train --resume --out %s%n", o.result().steps(), this.out);
                return Main.EXIT_INTERRUPTED;
            }
            if (o.skippedRows() > 0) {
                out.printf("skipped %d malformed rows%n", o.skippedRows());
            }
            out.printf("done: %s: %d steps in %.1f s (%.0f tokens/s), %,d trainable parameters%n", this.out,
                    o.result().steps(), o.result().trainSeconds(), o.result().tokensPerSecond(), o.trainableParams());
            out.printf("best (step %d): %s%n", o.result().bestStep(), format(o.result().best()));
            out.printf("final: %s%n", format(o.result().last()));
            return 0;
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the checkpoint
            }
        }
    }

    static String format(java.util.Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format("%.4f", v)));
        return sb.toString();
    }
}
