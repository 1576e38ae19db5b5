package dev.dcft.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.data.GlueTask;
import dev.dcft.data.TaskType;
import dev.dcft.io.AtomicFiles;
import dev.dcft.train.DataConfig;
import dev.dcft.train.Predictor;
import dev.dcft.train.Presets;
import dev.dcft.train.RunDirectory;
import dev.dcft.train.TaskRun;
import dev.dcft.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A fine-tuning to configure, then {@link #run(Path) run}: the same run as {@code dcft train --train}.
 * Defaults are the CLI's {@code cpu} preset (DCFT d=8 on the embedded MiniLM, batch 32, at most 600
 * steps, length 128, the method's learning rate). Data is a file ({@link #trainFile}) or a list of
 * examples ({@link #examples}), which the run directory keeps in {@code data/}.
 */
public final class FineTuning {
    private static final ObjectMapper JSON = new ObjectMapper();

    private String model = "minilm-l6";
    private String method = "dcft";
    private MethodOptions options = MethodOptions.empty();
    private Double lr;
    private Integer steps;
    private Double epochs;
    private Integer batch;
    private Integer maxLength;
    private Long seed;
    private boolean groupByLength;
    private Double headLr;
    private Double headWeightDecay;
    private double holdout;
    private int threads;
    private String trainFile;
    private String devFile;
    private List<LabeledText> examples;
    private List<LabeledText> devExamples;
    private String textColumn;
    private String textPairColumn;
    private String labelColumn;
    private TaskType taskType;
    private boolean overwrite;
    private ProgressListener progress = (s, t, e, l, r) -> { };

    FineTuning() {
    }

    /** The base model: an embedded name or a directory. */
    public FineTuning model(String nameOrDirectory) {
        this.model = nameOrDirectory;
        return this;
    }

    /** DCFT with kernel size {@code d} (stride d, rank 1). */
    public FineTuning dcft(int d) {
        return method("dcft", java.util.Map.of("kernel", d));
    }

    /** LoRA of rank {@code r}. */
    public FineTuning lora(int r) {
        return method("lora", java.util.Map.of("rank", r));
    }

    /**
     * Any registered adapter method with its options by their CLI names without dashes
     * ({@code method("dcft", Map.of("kernel", 4, "stride", 2))}); unset options take the method's defaults.
     */
    public FineTuning method(String name, java.util.Map<String, ?> methodOptions) {
        this.method = name;
        this.options = MethodOptions.of(methodOptions);
        return this;
    }

    /** Only the task head trains. */
    public FineTuning headOnly() {
        this.method = "head";
        this.options = MethodOptions.empty();
        return this;
    }

    /** Every weight trains. */
    public FineTuning full() {
        this.method = "full";
        this.options = MethodOptions.empty();
        return this;
    }

    public FineTuning learningRate(double lr) {
        this.lr = lr;
        return this;
    }

    /** Optimizer steps (overrides epochs). */
    public FineTuning steps(int steps) {
        this.steps = steps;
        return this;
    }

    public FineTuning epochs(double epochs) {
        this.epochs = epochs;
        this.steps = 0;
        return this;
    }

    public FineTuning batchSize(int batch) {
        this.batch = batch;
        return this;
    }

    public FineTuning maxLength(int tokens) {
        this.maxLength = tokens;
        return this;
    }

    public FineTuning seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The head's (pooler, classifier) own peak learning rate ({@code --head-lr}); default: the adapter's. */
    public FineTuning headLearningRate(double rate) {
        this.headLr = rate;
        return this;
    }

    /** The head's own weight decay ({@code --head-weight-decay}); default: the adapter's. */
    public FineTuning headWeightDecay(double decay) {
        this.headWeightDecay = decay;
        return this;
    }

    /**
     * Evaluates and keeps the best adapter on a seeded, stratified {@code fraction} of the training
     * data ({@code --holdout}); a dev file is then never read.
     */
    public FineTuning holdout(double fraction) {
        this.holdout = dev.dcft.data.Holdout.requireFraction(fraction, "holdout");
        return this;
    }

    /** Batches examples of similar length together ({@code --group-by-length}): less padding, so faster epochs. */
    public FineTuning groupByLength(boolean group) {
        this.groupByLength = group;
        return this;
    }

    /** Intra-op CPU threads (0: all cores). */
    public FineTuning threads(int threads) {
        this.threads = threads;
        return this;
    }

    /** A CSV, TSV or JSONL training file (columns as {@code dcft train --train}). */
    public FineTuning trainFile(Path file) {
        this.trainFile = file.toString();
        return this;
    }

    /** A dev file; without one (or {@link #devExamples}), a stratified 10% of the training data is held out. */
    public FineTuning devFile(Path file) {
        this.devFile = file.toString();
        return this;
    }

    public FineTuning examples(List<LabeledText> examples) {
        this.examples = List.copyOf(examples);
        return this;
    }

    public FineTuning devExamples(List<LabeledText> examples) {
        this.devExamples = List.copyOf(examples);
        return this;
    }

    public FineTuning textColumn(String column) {
        this.textColumn = column;
        return this;
    }

    public FineTuning textPairColumn(String column) {
        this.textPairColumn = column;
        return this;
    }

    public FineTuning labelColumn(String column) {
        this.labelColumn = column;
        return this;
    }

    /** classification, regression or multi-label (default: inferred from the labels). */
    public FineTuning taskType(String type) {
        this.taskType = TaskType.parse(type);
        return this;
    }

    /** Replace an existing run directory. */
    public FineTuning overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    public FineTuning progress(ProgressListener listener) {
        this.progress = listener;
        return this;
    }

    /** Trains, writes {@code runDir} (as {@code dcft train --out}) and returns the best model, ready to predict. */
    public Classifier run(Path runDir) {
        if ((trainFile == null) == (examples == null)) {
            throw new IllegalArgumentException("give either trainFile(...) or examples(...)");
        }
        Path staged = null;
        try {
            String train = trainFile;
            String dev = devFile;
            if (examples != null) {
                staged = Files.createTempDirectory("dcft-examples");
                train = writeJsonl(staged.resolve("train.jsonl"), examples).toString();
                dev = devExamples == null ? null : writeJsonl(staged.resolve("dev.jsonl"), devExamples).toString();
            }
            TrainConfig config = config(train, dev, examples != null);
            TaskRun.train(config, null, runDir, false, overwrite, progress::onStep, t -> { });
            if (staged != null) {
                keepData(runDir, staged);
            }
            return new Classifier(Predictor.open(runDir), runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (staged != null) {
                try {
                    AtomicFiles.deleteTree(staged);
                } catch (IOException ignored) {
                    // a temp directory: the OS cleans up
                }
            }
        }
    }

    private TrainConfig config(String train, String dev, boolean fromExamples) {
        TrainConfig.Builder b = Presets.base("cpu", GlueTask.SST2, method, model);
        TrainConfig base = b.build();
        DataConfig data = new DataConfig(train, dev, fromExamples ? "jsonl" : null, fromExamples ? "text" : textColumn,
                fromExamples ? (examples.stream().anyMatch(e -> e.pair() != null) ? "text_pair" : null) : textPairColumn,
                fromExamples ? "label" : labelColumn, taskType == null ? null : taskType.cliName(), null, false, 0.1);
        return b.adapter(b.adapter().overriddenBy(options)).task(TrainConfig.CUSTOM).lr(lr != null ? lr : base.lr())
                .epochs(epochs != null ? epochs : base.epochs()).maxSteps(steps != null ? steps : base.maxSteps())
                .batch(batch != null ? batch : base.batch()).maxLen(maxLength != null ? maxLength : base.maxLen())
                .seed(seed != null ? seed : base.seed()).threads(threads).data(data).groupByLength(groupByLength).headLr(headLr)
                .headWeightDecay(headWeightDecay).holdout(holdout).build();
    }

    /** Examples as JSONL; multi-label labels ("a|b") become lists, so the type is inferred as for files. */
    private Path writeJsonl(Path file, List<LabeledText> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (LabeledText r : rows) {
            ObjectNode o = JSON.createObjectNode();
            o.put("text", r.text());
            if (r.pair() != null) {
                o.put("text_pair", r.pair());
            }
            if (r.label() != null && r.label().contains("|") && taskType != TaskType.CLASSIFICATION) {
                var arr = o.putArray("label");
                for (String l : r.label().split("\\|")) {
                    arr.add(l.strip());
                }
            } else {
                o.put("label", r.label());
            }
            sb.append(JSON.writeValueAsString(o)).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    /** Moves the staged examples into {@code runDir/data/} and points the run's config at them. */
    private static void keepData(Path runDir, Path staged) throws IOException {
        Path data = runDir.resolve("data");
        Files.createDirectories(data);
        RunDirectory run = new RunDirectory(runDir);
        TrainConfig c = run.readConfig();
        DataConfig d = c.data();
        Path train = data.resolve("train.jsonl");
        Files.move(staged.resolve("train.jsonl"), train, StandardCopyOption.REPLACE_EXISTING);
        String dev = null;
        if (Files.exists(staged.resolve("dev.jsonl"))) {
            Files.move(staged.resolve("dev.jsonl"), data.resolve("dev.jsonl"), StandardCopyOption.REPLACE_EXISTING);
            dev = data.resolve("dev.jsonl").toString();
        }
        run.writeConfig(c.withData(new DataConfig(train.toString(), dev, d.format(), d.textColumn(), d.textPairColumn(), d.labelColumn(),
                d.taskType(), d.labels(), d.pairs(), d.devFraction())));
    }
}
