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
    private final int batchSize;

    public Evaluator(int batchSize) {
        this.batchSize = batchSize;
    }

    /** Raw model outputs, in the dataset's order. */
    public float[][] outputs(TaskModel model, EncodedDataset data) {
        model.setTraining(false);
        dev.dcft.engine.Engines.gradientsOff();
        int labels = model.task().numLabels();
        float[][] out = new float[data.size()][];
        for (int[] batch : data.lengthSortedBatches(batchSize)) {
            try (NDManager scope = model.base().manager().newSubManager()) {
                EncoderInput in = EncoderInput.of(scope, data.batch(batch), model.encoder().config());
                NDArray logits = model.logits(in);
                float[] flat = logits.toFloatArray();
                for (int i = 0; i < batch.length; i++) {
                    out[batch[i]] = java.util.Arrays.copyOfRange(flat, i * labels, (i + 1) * labels);
                }
            }
        }
        return out;
    }

    public Map<String, Double> evaluate(TaskModel model, List<EvalSet> sets) {
        Map<String, Double> all = new LinkedHashMap<>();
        double scoreSum = 0;
        for (EvalSet set : sets) {
            Map<String, Double> m = TaskMetrics.compute(model.task(), set.data().examples(), outputs(model, set.data()));
            scoreSum += TaskMetrics.score(m);
            m.forEach((k, v) -> all.put(sets.size() == 1 ? k : k + "_" + set.name(), v));
        }
        all.put("score", scoreSum / sets.size());
        return all;
    }
}
