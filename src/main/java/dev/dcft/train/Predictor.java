package dev.dcft.train;

import dev.dcft.data.Example;
import dev.dcft.data.TaskSpec;
import dev.dcft.engine.Precision;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained run ready to label inputs, in label names: softmax probabilities for classification,
 * per-label sigmoids for multi-label (labels above 0.5), the number for regression. Safe to call
 * from many threads at once (each call works in its own engine scope; the weights are only read).
 */
public final class Predictor implements AutoCloseable {
    /** How many inputs go through the model at once. */
    public static final int BATCH = 64;

    private final TaskModel model;
    private final TextTokenizer tokenizer;

    public Predictor(TaskModel model, int maxLength) {
        this.model = model;
        this.tokenizer = model.base().tokenizer(maxLength);
    }

    /** Loads a run directory's base model and best adapter. */
    public static Predictor open(Path runDir) throws IOException {
        return open(runDir, Precision.FP32);
    }

    /** As {@link #open(Path)}, the frozen base stored as {@code precision} says. */
    public static Predictor open(Path runDir, Precision precision) throws IOException {
        TrainConfig c = new RunDirectory(runDir).readConfig();
        TaskModel model = TaskRun.load(runDir, precision);
        return new Predictor(model, c.maxLen());
    }

    /**
     * A run directory's best adapter, or an adapter directory alone (PEFT layout; its task from adapter_config.json's
     * {@code problem_type} and {@code id2label}, texts truncated at the base's default length), on {@code model} (null:
     * the run's own base; required for an adapter directory). An adapter that does not fit the base fails here, with
     * the message {@code dcft predict} gives.
     */
    public static Predictor open(String model, Path dir, Precision precision) throws IOException {
        if (java.nio.file.Files.isRegularFile(dir.resolve("config.json")) && java.nio.file.Files.isDirectory(dir.resolve("adapter"))) {
            TrainConfig c = new RunDirectory(dir).readConfig();
            return new Predictor(TaskRun.load(dir, model, precision), c.maxLen());
        }
        if (model == null) {
            throw new IllegalArgumentException(dir + " is an adapter directory: name its base model too");
        }
        dev.dcft.io.PeftAdapterFiles.LoadedAdapter adapter = dev.dcft.io.PeftAdapterFiles.load(dir);
        TaskSpec task = TaskSpec.fromAdapterConfig(String.valueOf(dir.getFileName()), adapter.config(), false);
        if (task.isQuestionAnswering()) {
            throw new IllegalArgumentException(dir + " is a question-answering adapter: it answers questions, it does not label texts");
        }
        LoadedModel base = dev.dcft.model.ModelLoader.load(model, precision);
        try {
            TaskModel m = new TaskModel(base, adapter.spec(), task, 0, 0);
            m.loadAdapter(adapter);
            return new Predictor(m, base.defaultMaxLength());
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /** One input: a text, or a pair of texts. */
    public record Input(String text, String pair) {
        /** A command-line text: {@code "first ||| second"} (or tab-separated) for pair tasks. */
        public static Input parse(String t, TaskSpec task) {
            if (!task.pairs()) {
                return new Input(t, null);
            }
            String[] parts = t.contains("\t") ? t.split("\t", 2) : t.split("\\s*\\|\\|\\|\\s*", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException(task.name() + " labels text pairs: write \"first ||| second\"");
            }
            return new Input(parts[0], parts[1]);
        }
    }

    /**
     * A prediction. Classification: {@code label}, its probability as {@code score}, and every
     * label's probability. Multi-label: {@code labels} above 0.5 (and the most probable as
     * {@code label}). Regression: {@code score} alone.
     */
    public record Prediction(String label, double score, Map<String, Double> probabilities, List<String> labels) {
    }

    public TaskSpec task() {
        return model.task();
    }

    public TaskModel model() {
        return model;
    }

    /** Predictions for {@code inputs}, in their order, {@link #BATCH} at a time. */
    public List<Prediction> predict(List<Input> inputs) {
        return predict(inputs, BATCH);
    }

    /**
     * Predictions for {@code inputs}, in their order, {@code batchSize} at a time. They go through the model as one
     * dataset, whose batches the {@link Evaluator} cuts from the inputs sorted by token length (a batch pads to its
     * longest row; a prediction does not depend on its batch).
     */
    public List<Prediction> predict(List<Input> inputs, int batchSize) {
        TaskSpec task = model.task();
        List<Example> ex = new ArrayList<>(inputs.size());
        for (Input in : inputs) {
            if (task.pairs() && in.pair() == null) {
                throw new IllegalArgumentException(task.name() + " labels text pairs: the second text is missing");
            }
            // A pair is used whenever given: an adapter directory does not say whether its task reads pairs.
            ex.add(new Example(in.text(), in.pair(), 0, 0, 0));
        }
        EncodedDataset data = new EncodedDataset(ex, tokenizer, model.base().model().config().padTokenId);
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (float[] o : new Evaluator(batchSize).outputs(model, data)) {
            out.add(prediction(task, o));
        }
        return out;
    }

    /** A prediction from one row of raw outputs (logits, or the regression value). */
    public static Prediction prediction(TaskSpec task, float[] o) {
        if (task.isRegression()) {
            return new Prediction(null, o[0], Map.of(), List.of());
        }
        Map<String, Double> probs = new LinkedHashMap<>();
        int best = TaskMetrics.argmax(o);
        if (task.isMultiLabel()) {
            List<String> on = new ArrayList<>();
            for (int k = 0; k < o.length; k++) {
                double p = 1 / (1 + Math.exp(-o[k]));
                probs.put(task.labels().get(k), p);
                if (p > 0.5) {
                    on.add(task.labels().get(k));
                }
            }
            return new Prediction(task.labels().get(best), probs.get(task.labels().get(best)), probs, on);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : o) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[o.length];
        for (int k = 0; k < o.length; k++) {
            e[k] = Math.exp(o[k] - max);
            sum += e[k];
        }
        for (int k = 0; k < o.length; k++) {
            probs.put(task.labels().get(k), e[k] / sum);
        }
        return new Prediction(task.labels().get(best), e[best] / sum, probs, List.of());
    }

    /** Closes the tokenizer and the base model. */
    @Override
    public void close() {
        tokenizer.close();
        LoadedModel base = model.base();
        base.close();
    }
}
