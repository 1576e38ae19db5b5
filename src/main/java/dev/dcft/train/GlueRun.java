package dev.dcft.train;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Method;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.data.DataLocator;
import dev.dcft.data.Example;
import dev.dcft.data.GlueReader;
import dev.dcft.data.GlueTask;
import dev.dcft.engine.Engines;
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

/** A GLUE run from configuration to files: the library entry point behind {@code dcft train|eval|predict}. */
public final class GlueRun {
    private GlueRun() {
    }

    /** What a finished (or interrupted) run reports. */
    public record Outcome(Trainer.Result result, long trainableParams, int trainExamples, int skippedRows, Path runDir) {
    }

    public static AdapterSpec spec(TrainConfig c, boolean deberta) {
        Method m = Method.parse(c.method());
        TargetModules targets = TargetModules.of(c.targets(), c.targetRegex(), TargetModules.defaults(deberta));
        return switch (m) {
            case DCFT -> AdapterSpec.dcft(new DcftConfig(c.kernel(), c.stride(), c.rank(), c.alpha(), DcftConfig.Init.parse(c.init()),
                    c.adapterDropout(), targets));
            case LORA -> AdapterSpec.lora(new LoraConfig(c.rank(), c.alpha(), c.adapterDropout(), targets));
            default -> AdapterSpec.of(m);
        };
    }

    static List<Example> read(DataLocator data, GlueTask task, String file, boolean skipBad, int[] skipped, int limit) {
        GlueReader.Result r = GlueReader.read(data.file(task, file), task, skipBad);
        skipped[0] += r.skipped();
        List<Example> ex = r.examples();
        return limit > 0 && limit < ex.size() ? ex.subList(0, limit) : ex;
    }

    /** Trains (or resumes) a run. {@code hook} sees the trainer before it starts (Ctrl-C wiring, tests). */
    public static Outcome train(TrainConfig config, Path dataDir, Path runDir, boolean resume, boolean overwrite,
            Trainer.Progress progress, Consumer<Trainer> hook) throws IOException {
        RunDirectory run = new RunDirectory(runDir);
        if (resume) {
            config = run.readConfig();
        }
        Engines.configure(config.threads());
        GlueTask task = GlueTask.parse(config.task());
        DataLocator data = DataLocator.resolve(dataDir);
        int[] skipped = {0};
        List<Example> trainExamples = read(data, task, "train.tsv", config.skipBadRows(), skipped, config.trainLimit());
        List<List<Example>> devExamples = new ArrayList<>();
        for (String f : task.devFiles) {
            devExamples.add(read(data, task, f, config.skipBadRows(), skipped, config.evalLimit()));
        }
        if (trainExamples.isEmpty()) {
            throw new IllegalArgumentException("no training examples in " + data.file(task, "train.tsv"));
        }
        if (!resume) {
            run.create(overwrite);
            run.writeConfig(config);
        }
        try (LoadedModel base = ModelLoader.load(config.model())) {
            TaskModel model = new TaskModel(base, spec(config, base.model().config().modelType.startsWith("deberta")), task,
                    config.clsDropout(), config.seed());
            try (TextTokenizer tok = base.tokenizer(config.maxLen())) {
                long pad = base.model().config().padTokenId;
                EncodedDataset train = new EncodedDataset(trainExamples, tok, pad);
                List<EvalSet> dev = new ArrayList<>();
                for (int i = 0; i < task.devFiles.size(); i++) {
                    dev.add(new EvalSet(evalSetName(task, i), new EncodedDataset(devExamples.get(i), tok, pad)));
                }
                Trainer trainer = new Trainer(config, model, train, dev, run, config.model());
                trainer.setProgress(progress);
                hook.accept(trainer);
                Trainer.Result result = trainer.run(resume);
                long trainable = model.trainableCount();
                if (!result.interrupted()) {
                    writeMetrics(run, config, result, trainable);
                    Curves.write(run.curves(), run.readLog(), task);
                }
                return new Outcome(result, trainable, trainExamples.size(), skipped[0], runDir);
            }
        }
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

    /**
     * A saved run's model: base, method and the best adapter, ready to evaluate or predict. The
     * caller closes {@code model.base()}.
     */
    public static TaskModel load(Path runDir) throws IOException {
        RunDirectory run = new RunDirectory(runDir);
        TrainConfig c = run.readConfig();
        Engines.configure(c.threads());
        PeftAdapterFiles.LoadedAdapter adapter = PeftAdapterFiles.load(run.adapter());
        LoadedModel base = ModelLoader.load(c.model());
        try {
            TaskModel model = new TaskModel(base, adapter.spec(), GlueTask.parse(c.task()), 0, c.seed());
            model.loadAdapter(adapter);
            return model;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /** Re-evaluates a run's best adapter on the task's dev set(s). */
    public static Map<String, Double> evaluate(Path runDir, Path dataDir, String taskOverride) throws IOException {
        TrainConfig c = new RunDirectory(runDir).readConfig();
        TaskModel model = load(runDir);
        try (LoadedModel base = model.base(); TextTokenizer tok = base.tokenizer(c.maxLen())) {
            GlueTask task = taskOverride != null ? GlueTask.parse(taskOverride) : model.task();
            if (task.numLabels() != model.task().numLabels()) {
                throw new IllegalArgumentException("the run was trained for " + model.task().cliName() + " (" + model.task().numLabels()
                        + " outputs); " + task.cliName() + " needs " + task.numLabels());
            }
            DataLocator data = DataLocator.resolve(dataDir);
            List<EvalSet> sets = new ArrayList<>();
            for (int i = 0; i < task.devFiles.size(); i++) {
                List<Example> ex = read(data, task, task.devFiles.get(i), c.skipBadRows(), new int[1], c.evalLimit());
                sets.add(new EvalSet(evalSetName(task, i), new EncodedDataset(ex, tok, base.model().config().padTokenId)));
            }
            return new Evaluator(64).evaluate(model, sets);
        }
    }

    /** One prediction: the label (or score) and the probabilities. */
    public record Prediction(String text, String label, double score, float[] probabilities) {
    }

    /** Labels texts; a pair is written {@code "first ||| second"} or with a tab between. */
    public static List<Prediction> predict(Path runDir, List<String> texts) throws IOException {
        TrainConfig c = new RunDirectory(runDir).readConfig();
        TaskModel model = load(runDir);
        try (LoadedModel base = model.base(); TextTokenizer tok = base.tokenizer(c.maxLen())) {
            GlueTask task = model.task();
            List<Example> ex = new ArrayList<>();
            for (String t : texts) {
                String[] parts = t.contains("\t") ? t.split("\t", 2) : t.split("\\s*\\|\\|\\|\\s*", 2);
                boolean pair = task != GlueTask.COLA && task != GlueTask.SST2;
                if (pair && parts.length != 2) {
                    throw new IllegalArgumentException(task.cliName() + " labels sentence pairs: write \"first ||| second\"");
                }
                ex.add(new Example(parts[0], pair ? parts[1] : null, 0, 0, 0));
            }
            EncodedDataset data = new EncodedDataset(ex, tok, base.model().config().padTokenId);
            float[][] out = new Evaluator(64).outputs(model, data);
            List<Prediction> preds = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                if (task.isRegression()) {
                    preds.add(new Prediction(texts.get(i), String.format("%.3f", out[i][0]), out[i][0], new float[0]));
                } else {
                    float[] p = softmax(out[i]);
                    int k = TaskMetrics.argmax(p);
                    preds.add(new Prediction(texts.get(i), task.labels.get(k), p[k], p));
                }
            }
            return preds;
        }
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }
}
