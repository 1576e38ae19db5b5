package dev.dcft.train;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.data.DataLocator;
import dev.dcft.data.Example;
import dev.dcft.data.GlueReader;
import dev.dcft.data.DataSource;
import dev.dcft.data.GlueTask;
import dev.dcft.data.Holdout;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.TaskType;
import dev.dcft.data.UserData;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A fine-tuning run from configuration to files, whatever the data: the one entry point behind
 * {@code dcft train|eval|predict} and the Java API. The data comes from a {@link DataSource}: a GLUE
 * task, or the user's own files ({@link UserData}).
 */
public final class TaskRun {
    private TaskRun() {
    }

    /** What a finished (or interrupted) run reports. */
    public record Outcome(Trainer.Result result, long trainableParams, int trainExamples, int skippedRows, Path runDir) {
    }

    /** The run's adapter, its default target_modules those of the base's architecture. */
    public static AdapterSpec spec(TrainConfig c, List<String> defaultTargets) {
        return c.spec(defaultTargets);
    }

    /** The run's data: its GLUE task, or its own files. */
    public static DataSource source(TrainConfig c, Path dataDir) {
        if (c.isCustom()) {
            DataConfig d = c.data();
            // Without --dev the held-out slice is the split UserData makes anyway; --holdout sets its size.
            boolean splitHere = c.heldOut() && d.devFile() != null;
            double fraction = c.heldOut() && !splitHere ? c.holdout() : d.devFraction() > 0 ? d.devFraction() : 0.1;
            UserData.Loaded u = UserData.load(new UserData.Options(d.trainFile(), d.devFile(), d.format(), d.textColumn(), d.textPairColumn(),
                    d.labelColumn(), d.taskType() == null ? null : TaskType.parse(d.taskType()), c.skipBadRows(), fraction, c.seed()));
            List<String> notes = withColumns(u);
            List<Example> train = u.train();
            List<Example> dev = u.dev();
            if (splitHere) {
                Holdout.Split h = holdOut(c, train, u.spec().type(), Path.of(d.trainFile()).getFileName().toString(), notes);
                train = h.train();
                dev = h.heldOut();
            }
            String name = c.heldOut() ? HOLDOUT : "dev";
            return new DataSource(u.spec(), limit(train, c.trainLimit()), List.of(new DataSource.EvalExamples(name, limit(dev, c.evalLimit()))),
                    u.skipped(), notes, new UserData.Columns(u.textColumn(), u.textPairColumn(), u.labelColumn()));
        }
        GlueTask task = GlueTask.parse(c.task());
        DataLocator data = DataLocator.resolve(dataDir);
        int[] skipped = {0};
        List<DataSource.EvalExamples> dev = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Example> train;
        if (c.heldOut()) {
            // The dev files are not read at all: nothing about them can steer the run.
            Holdout.Split h = holdOut(c, read(data, task, "train.tsv", c.skipBadRows(), skipped, 0), task.spec().type(),
                    task.dirName + "/train.tsv", notes);
            train = limit(h.train(), c.trainLimit());
            dev.add(new DataSource.EvalExamples(HOLDOUT, limit(h.heldOut(), c.evalLimit())));
        } else {
            train = read(data, task, "train.tsv", c.skipBadRows(), skipped, c.trainLimit());
            for (int i = 0; i < task.devFiles.size(); i++) {
                dev.add(new DataSource.EvalExamples(evalSetName(task, i), read(data, task, task.devFiles.get(i), c.skipBadRows(), skipped, c.evalLimit())));
            }
        }
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples in " + data.file(task, "train.tsv"));
        }
        return new DataSource(task.spec(), train, dev, skipped[0], notes, null);
    }

    /** The evaluation set's name when it is a slice of the training data. */
    public static final String HOLDOUT = "holdout";

    private static Holdout.Split holdOut(TrainConfig c, List<Example> all, TaskType type, String file, List<String> notes) {
        Holdout.Split h = Holdout.split(all, type, c.holdout(), c.seed());
        if (h.train().isEmpty() || h.heldOut().isEmpty()) {
            throw new IllegalArgumentException("too few rows (" + all.size() + ") in " + file + " to hold out " + c.holdout());
        }
        notes.add(String.format(java.util.Locale.ROOT, "--holdout: a seeded (%d), %s %.0f%% of %s held out for evaluation and"
                + " best-checkpoint selection (%d train / %d held out); the dev set is not evaluated", c.seed(),
                type == TaskType.CLASSIFICATION ? "stratified" : "random", c.holdout() * 100, file, h.train().size(), h.heldOut().size()));
        return h;
    }

    private static List<String> withColumns(UserData.Loaded u) {
        List<String> notes = new ArrayList<>(u.notes());
        notes.add(0, "columns: text '" + u.textColumn() + "'" + (u.textPairColumn() == null ? "" : ", pair '" + u.textPairColumn() + "'")
                + ", label '" + u.labelColumn() + "'");
        return notes;
    }

    private static DataConfig learned(TrainConfig c, DataSource s) {
        UserData.Columns cols = s.columns();
        return c.data().withLearned(cols.text(), cols.pair(), cols.label(), s.spec().type().cliName(), s.spec().labels(), s.spec().pairs());
    }

    static <T> List<T> limit(List<T> ex, int limit) {
        return limit > 0 && limit < ex.size() ? ex.subList(0, limit) : ex;
    }

    /** The task of a saved run, from its configuration alone. */
    public static TaskSpec spec(TrainConfig c) {
        if (c.isSquad()) {
            return SquadTask.spec(c.isSquadV2());
        }
        if (c.isCustom()) {
            DataConfig d = c.data();
            return TaskSpec.custom(java.nio.file.Path.of(d.trainFile()).getFileName().toString(), TaskType.parse(d.taskType()),
                    d.labels() == null ? List.of() : d.labels(), d.pairs());
        }
        return GlueTask.parse(c.task()).spec();
    }

    static List<Example> read(DataLocator data, GlueTask task, String file, boolean skipBad, int[] skipped, int limit) {
        GlueReader.Result r = GlueReader.read(data.file(task, file), task, skipBad);
        skipped[0] += r.skipped();
        return limit(r.examples(), limit);
    }

    /** Trains (or resumes) a run. {@code hook} sees the trainer before it starts (Ctrl-C wiring, tests). */
    public static Outcome train(TrainConfig config, Path dataDir, Path runDir, boolean resume, boolean overwrite,
            Trainer.Progress progress, Consumer<Trainer> hook) throws IOException {
        return train(config, dataDir, runDir, resume, overwrite, progress, hook, note -> { });
    }

    /** As above; {@code notes} hears what was inferred or decided about the data (task type, labels, dev split). */
    public static Outcome train(TrainConfig config, Path dataDir, Path runDir, boolean resume, boolean overwrite,
            Trainer.Progress progress, Consumer<Trainer> hook, Consumer<String> notes) throws IOException {
        return train(config, dataDir, runDir, resume, overwrite, progress, hook, notes, loop -> { });
    }

    /**
     * As above; {@code onStart} sees the loop of any task (the encoder trainer, or the causal-LM loop) before it starts,
     * which is what a Ctrl-C handler needs ({@link Stoppable}).
     */
    public static Outcome train(TrainConfig config, Path dataDir, Path runDir, boolean resume, boolean overwrite,
            Trainer.Progress progress, Consumer<Trainer> trainerHook, Consumer<String> notes, Consumer<Stoppable> onStart)
            throws IOException {
        Consumer<Trainer> hook = t -> {
            trainerHook.accept(t);
            onStart.accept(t);
        };
        RunDirectory run = new RunDirectory(runDir);
        if (resume) {
            config = run.readConfig();
        }
        Engines.configure(config.threads());
        if (config.isCausalLm()) {
            return CausalLmRun.train(config, run, resume, overwrite, progress, notes, onStart);
        }
        if (config.isSquad()) {
            return trainSquad(config, dataDir, run, resume, overwrite, progress, hook, notes);
        }
        DataSource source = source(config, dataDir);
        if (config.isCustom()) {
            DataConfig learned = learned(config, source);
            if (resume && !learned.labels().equals(config.data().labels())) {
                throw new IllegalArgumentException(config.data().trainFile() + " has other labels than when the run started ("
                        + learned.labels() + " vs " + config.data().labels() + ")");
            }
            config = config.withData(learned);
        }
        List<Example> trainExamples = source.train();
        if (trainExamples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        source.notes().forEach(notes);
        resume = prepare(run, config, resume, overwrite, notes);
        TaskSpec task = source.spec();
        try (LoadedModel base = loadBase(config, notes)) {
            TaskModel model = new TaskModel(base, spec(config, defaultTargets(base)), task, config.clsDropout(), config.seed());
            try (TextTokenizer tok = base.tokenizer(config.maxLen())) {
                long pad = base.model().config().padTokenId;
                EncodedDataset train = new EncodedDataset(trainExamples, tok, pad);
                List<EvalSet> dev = new ArrayList<>();
                for (DataSource.EvalExamples d : source.dev()) {
                    dev.add(new EvalSet(d.name(), new EncodedDataset(d.examples(), tok, pad)));
                }
                return runTrainer(config, run, model, train, dev, resume, progress, hook, source.skipped());
            }
        }
    }

    private static List<String> defaultTargets(LoadedModel base) {
        return dev.dcft.model.Architectures.of(base.model().config()).targetModules();
    }

    /** A new run gets its directory and config; a resume with no checkpoint yet starts over. Returns whether to resume. */
    static boolean prepare(RunDirectory run, TrainConfig config, boolean resume, boolean overwrite, Consumer<String> notes)
            throws IOException {
        if (resume) {
            run.recover();
        }
        if (resume && !Checkpoint.exists(run.checkpoint())) {
            // Killed before its first checkpoint: start over from the saved configuration.
            notes.accept("no checkpoint yet in " + run.dir() + ": restarting the run from its saved configuration");
            run.truncateLog(0);
            return false;
        }
        if (!resume) {
            run.create(overwrite);
            run.writeConfig(config);
        }
        return resume;
    }

    private static Outcome runTrainer(TrainConfig config, RunDirectory run, TaskModel model, EncodedDataset train, List<EvalSet> dev,
            boolean resume, Trainer.Progress progress, Consumer<Trainer> hook, int skipped) throws IOException {
        Trainer trainer = new Trainer(config, model, train, dev, run, config.model());
        trainer.setProgress(progress);
        hook.accept(trainer);
        Trainer.Result result = trainer.run(resume);
        long trainable = model.trainableCount();
        if (!result.interrupted()) {
            writeMetrics(run, config, result, trainable);
            Curves.write(run.curves(), run.readLog(), model.task());
        }
        return new Outcome(result, trainable, train.size(), skipped, run.dir());
    }

    /** SQuAD: windows of the questions, QA head, evaluation by the official metrics. */
    private static Outcome trainSquad(TrainConfig config, Path dataDir, RunDirectory run, boolean resume, boolean overwrite,
            Trainer.Progress progress, Consumer<Trainer> hook, Consumer<String> notes) throws IOException {
        SquadTask.Data data = SquadTask.load(config, dataDir);
        data.notes().forEach(notes);
        resume = prepare(run, config, resume, overwrite, notes);
        boolean v2 = config.isSquadV2();
        try (LoadedModel base = loadBase(config, notes)) {
            TaskModel model = new TaskModel(base, spec(config, defaultTargets(base)), SquadTask.spec(v2), config.clsDropout(), config.seed());
            try (var features = qaFeatures(base, config)) {
                long pad = base.model().config().padTokenId;
                EncodedDataset train = SquadTask.trainSet(data.train(), features, pad);
                notes.accept(String.format("%,d training questions in %,d windows; %,d evaluation questions", data.train().size(), train.size(),
                        data.eval().size()));
                EvalSet dev = SquadTask.evalSet(data.eval(), features, pad, config.data(), v2, run.dir());
                return runTrainer(config, run, model, train, List.of(dev), resume, progress, hook, data.skipped());
            }
        }
    }

    static dev.dcft.data.squad.QaFeatures qaFeatures(LoadedModel base, TrainConfig c) {
        int stride = c.data() != null && c.data().docStride() > 0 ? c.data().docStride() : SquadTask.DOC_STRIDE;
        return new dev.dcft.data.squad.QaFeatures(base.tokenizerFiles().get("tokenizer.json"), Math.min(c.maxLen(), base.positionLimit()), stride);
    }

    static void writeMetrics(RunDirectory run, TrainConfig c, Trainer.Result r, long trainable) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", c.task());
        m.put("method", c.method());
        m.put("model", c.model());
        m.put("trainable_params", trainable);
        Map<String, Object> best = new LinkedHashMap<>();
        best.put("step", r.bestStep());
        best.putAll(r.best());
        m.put("best", best);
        Map<String, Object> fin = new LinkedHashMap<>();
        fin.put("step", r.steps());
        fin.putAll(r.last());
        m.put("final", fin);
        m.put("train_seconds", Trainer.round(r.trainSeconds(), 3));
        m.put("tokens_per_second", Trainer.round(r.tokensPerSecond(), 1));
        m.put("steps", r.steps());
        m.put("threads", Engines.threads());
        run.writeMetrics(m);
    }

    /** {@code dev} for a task with one dev file; MNLI's are {@code matched} and {@code mismatched}. */
    static String evalSetName(GlueTask task, int devFile) {
        return task.devFiles.size() == 1 ? "dev" : task.devFiles.get(devFile).replace("dev_", "").replace(".tsv", "");
    }

    /** The run's base in its precision ({@link #basePrecision}). */
    private static LoadedModel loadBase(TrainConfig config, Consumer<String> notes) {
        return ModelLoader.load(config.model(), basePrecision(config, notes).precision());
    }

    /**
     * How the run stores its frozen base, said in the notes unless float32. Full fine-tuning trains every base weight,
     * which bf16 storage would round every step: refused rather than silently kept in float32.
     */
    static Precision.Choice basePrecision(TrainConfig config, Consumer<String> notes) {
        Precision.Choice p = config.precisionMode().resolve();
        if (p.bf16() && AdapterSpec.baseline(config.method()) != null && AdapterSpec.baseline(config.method()).isFull()) {
            throw new IllegalArgumentException("--precision bf16 stores the frozen base in bfloat16, but full fine-tuning has no frozen"
                    + " base: use --precision fp32");
        }
        if (config.precisionMode() != Precision.FP32) {
            notes.accept("precision: " + p.precision().label() + " (" + p.reason() + ")");
        }
        return p;
    }

    /**
     * A saved run's model: base, method and the best adapter, ready to evaluate or predict. The
     * caller closes {@code model.base()}.
     */
    public static TaskModel load(Path runDir) throws IOException {
        return load(runDir, Precision.FP32);
    }

    /** As {@link #load(Path)}, the frozen base stored as {@code precision} says (whatever the run trained with). */
    public static TaskModel load(Path runDir, Precision precision) throws IOException {
        return load(runDir, null, precision);
    }

    /**
     * As {@link #load(Path, Precision)}, on {@code baseModel} instead of the base the run names (null: the run's): the same
     * base found elsewhere, e.g. a copy on a cluster's executor.
     */
    public static TaskModel load(Path runDir, String baseModel, Precision precision) throws IOException {
        RunDirectory run = new RunDirectory(runDir);
        TrainConfig c = run.readConfig();
        Engines.configure(c.threads());
        PeftAdapterFiles.LoadedAdapter adapter = PeftAdapterFiles.load(run.adapter());
        LoadedModel base = ModelLoader.load(baseModel != null ? baseModel : c.model(), precision);
        try {
            TaskModel model = new TaskModel(base, adapter.spec(), spec(c), 0, c.seed());
            model.loadAdapter(adapter);
            return model;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /**
     * Re-evaluates a run's best adapter on its dev set(s): the GLUE task's (or {@code taskOverride}'s,
     * for a task with as many outputs), or the run's own dev file or split.
     */
    public static Map<String, Double> evaluate(Path runDir, Path dataDir, String taskOverride) throws IOException {
        return evaluate(runDir, dataDir, taskOverride, (d, t) -> { });
    }

    /** As above; {@code progress} hears how many evaluation inputs (SQuAD: windows) are done. */
    public static Map<String, Double> evaluate(Path runDir, Path dataDir, String taskOverride, Evaluator.Progress progress)
            throws IOException {
        return evaluate(runDir, dataDir, taskOverride, Precision.FP32, progress);
    }

    /** As above, the frozen base stored as {@code precision} says. */
    public static Map<String, Double> evaluate(Path runDir, Path dataDir, String taskOverride, Precision precision,
            Evaluator.Progress progress) throws IOException {
        TrainConfig c = new RunDirectory(runDir).readConfig();
        TaskModel model = load(runDir, precision);
        if (c.isSquad()) {
            try (LoadedModel base = model.base(); var features = qaFeatures(base, c)) {
                SquadTask.Data data = SquadTask.load(c, dataDir);
                EvalSet dev = SquadTask.evalSet(data.eval(), features, base.model().config().padTokenId, c.data(), c.isSquadV2(), null);
                return new Evaluator(64, progress).evaluate(model, List.of(dev));
            }
        }
        try (LoadedModel base = model.base(); TextTokenizer tok = base.tokenizer(c.maxLen())) {
            DataSource source;
            if (taskOverride != null) {
                TaskSpec other = GlueTask.parse(taskOverride).spec();
                if (other.numLabels() != model.task().numLabels() || other.type() != model.task().type()) {
                    throw new IllegalArgumentException("the run was trained for " + model.task().name() + " (" + model.task().numLabels()
                            + " outputs); " + other.name() + " needs " + other.numLabels());
                }
                source = source(c.withData(null).withTask(taskOverride), dataDir);
            } else {
                source = source(c, dataDir);
            }
            List<EvalSet> sets = new ArrayList<>();
            for (DataSource.EvalExamples d : source.dev()) {
                sets.add(new EvalSet(d.name(), new EncodedDataset(d.examples(), tok, base.model().config().padTokenId)));
            }
            return new Evaluator(64, progress).evaluate(model, sets);
        }
    }

    /** Labels texts with a run's best adapter; a pair is written {@code "first ||| second"} or with a tab between. */
    public static List<Predictor.Prediction> predict(Path runDir, List<String> texts) throws IOException {
        try (Predictor p = Predictor.open(runDir)) {
            List<Predictor.Input> inputs = new ArrayList<>();
            for (String t : texts) {
                inputs.add(Predictor.Input.parse(t, p.task()));
            }
            return p.predict(inputs);
        }
    }
}
