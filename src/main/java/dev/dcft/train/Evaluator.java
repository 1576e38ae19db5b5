package dev.dcft.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderInput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a task model: batches sorted by length (same predictions, less padding), dropout off,
 * no autograd graph. With several sets (MNLI) each metric is suffixed by the set's name and the
 * score is the mean over sets.
 */
public final class Evaluator {
    /** Hears how many inputs of how many are done during an evaluation (thousands of SQuAD windows take minutes on a CPU). */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total);
    }

    private final int batchSize;
    private final Progress progress;

    public Evaluator(int batchSize) {
        this(batchSize, (d, t) -> { });
    }

    public Evaluator(int batchSize, Progress progress) {
        this.batchSize = batchSize;
        this.progress = progress;
    }

    /** Raw model outputs, in the dataset's order. */
    public float[][] outputs(TaskModel model, EncodedDataset data) {
        model.setTraining(false);
        dev.dcft.engine.Engines.gradientsOff();
        float[][] out = new float[data.size()][];
        int done = 0;
        for (int[] batch : data.lengthSortedBatches(batchSize)) {
            try (NDManager scope = model.base().manager().newSubManager()) {
                EncoderInput in = EncoderInput.of(scope, data.batch(batch), model.encoder().config());
                NDArray logits = model.logits(in);
                float[] flat = logits.toFloatArray();
                // [B, labels], or [B, T, 2] for question answering: a row holds the batch's padded length.
                int width = flat.length / batch.length;
                for (int i = 0; i < batch.length; i++) {
                    out[batch[i]] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
                }
            }
            done += batch.length;
            progress.update(done, data.size());
        }
        return out;
    }

    /**
     * An evaluation's metrics, and whether a classifier predicted one class for every input of a set
     * (a collapsed run: its accuracy is the majority rate and its MCC 0).
     */
    public record Evaluation(Map<String, Double> metrics, boolean oneClass) {
    }

    public Map<String, Double> evaluate(TaskModel model, List<EvalSet> sets) {
        return evaluation(model, sets).metrics();
    }

    public Evaluation evaluation(TaskModel model, List<EvalSet> sets) {
        boolean oneClass = false;
        Map<String, Double> all = new LinkedHashMap<>();
        double scoreSum = 0;
        for (EvalSet set : sets) {
            float[][] outputs = outputs(model, set.data());
            oneClass |= set.metrics() == null && oneClass(model.task(), outputs);
            Map<String, Double> m = set.metrics() != null ? new LinkedHashMap<>(set.metrics().apply(outputs))
                    : TaskMetrics.compute(model.task(), set.data().examples(), outputs);
            // A set's own metrics may name their ranking score (question answering: the mean of EM and F1).
            Double own = m.remove("score");
            scoreSum += own != null ? own : TaskMetrics.score(m);
            m.forEach((k, v) -> all.put(sets.size() == 1 ? k : k + "_" + set.name(), v));
        }
        all.put("score", scoreSum / sets.size());
        return new Evaluation(all, oneClass);
    }

    /** Single-label classification only: every input's most probable label is the same one. */
    static boolean oneClass(dev.dcft.data.TaskSpec task, float[][] outputs) {
        if (task.isRegression() || task.isMultiLabel() || task.isQuestionAnswering() || outputs.length < 2) {
            return false;
        }
        int first = TaskMetrics.argmax(outputs[0]);
        for (float[] o : outputs) {
            if (TaskMetrics.argmax(o) != first) {
                return false;
            }
        }
        return true;
    }
}
