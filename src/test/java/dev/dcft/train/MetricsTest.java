package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcft.data.Example;
import dev.dcft.data.GlueTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every metric on cases worked out by hand. */
class MetricsTest {
    static final int[] GOLD = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    static final int[] PRED = {1, 1, 1, 0, 1, 1, 0, 0, 0, 0};

    @Test
    void accuracy() {
        // 3 TP + 4 TN right of 10
        assertEquals(0.7, Metrics.accuracy(PRED, GOLD), 1e-12);
    }

    @Test
    void f1OfThePositiveClass() {
        // TP 3, FP 2, FN 1: precision 3/5, recall 3/4, F1 = 2*3 / (2*3 + 2 + 1) = 6/9
        assertEquals(6.0 / 9.0, Metrics.f1(PRED, GOLD), 1e-12);
        assertEquals(0.0, Metrics.f1(new int[] {0, 0}, new int[] {1, 0}), 0);
    }

    @Test
    void matthewsCorrelation() {
        // TP 3, TN 4, FP 2, FN 1: (12 - 2) / sqrt(5 * 4 * 6 * 5) = 10 / sqrt(600)
        assertEquals(10 / Math.sqrt(600), Metrics.matthews(PRED, GOLD), 1e-12);
        assertEquals(1.0, Metrics.matthews(GOLD, GOLD), 1e-12);
        assertEquals(0.0, Metrics.matthews(new int[] {1, 1, 1}, new int[] {1, 0, 1}), 0); // a constant prediction
    }

    @Test
    void pearson() {
        // x = 1..5, y = 2, 4, 5, 4, 5: means 3 and 4; sxy = 6, sxx = 10, syy = 6 -> 6 / sqrt(60)
        assertEquals(6 / Math.sqrt(60), Metrics.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5}), 1e-12);
    }

    @Test
    void spearmanWithTies() {
        // y ranks with ties: 2 -> 1, 4 -> 2.5 (twice), 5 -> 4.5 (twice)
        assertArrayEquals(new double[] {1, 2.5, 4.5, 2.5, 4.5}, Metrics.ranks(new double[] {2, 4, 5, 4, 5}), 1e-12);
        // Pearson of ranks (1..5) and (1, 2.5, 4.5, 2.5, 4.5): means 3, 3; sxy = 7, sxx = 10, syy = 9 -> 7 / sqrt(90)
        assertEquals(7 / Math.sqrt(90), Metrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5}), 1e-12);
    }

    private static List<Example> examples(int[] labels) {
        List<Example> out = new ArrayList<>();
        for (int l : labels) {
            out.add(new Example("a", "b", l, 0, 0));
        }
        return out;
    }

    private static float[][] logits(int[] pred, int classes) {
        float[][] o = new float[pred.length][classes];
        for (int i = 0; i < pred.length; i++) {
            o[i][pred[i]] = 1;
        }
        return o;
    }

    @Test
    void taskScoresFollowGlue() {
        Map<String, Double> mrpc = TaskMetrics.compute(GlueTask.MRPC.spec(), examples(GOLD), logits(PRED, 2));
        assertEquals(0.7, mrpc.get("accuracy"), 1e-12);
        assertEquals(6.0 / 9, mrpc.get("f1"), 1e-12);
        assertEquals((0.7 + 6.0 / 9) / 2, TaskMetrics.score(mrpc), 1e-12);
        Map<String, Double> cola = TaskMetrics.compute(GlueTask.COLA.spec(), examples(GOLD), logits(PRED, 2));
        assertEquals(List.of("matthews_correlation"), List.copyOf(cola.keySet()));
        List<Example> sts = new ArrayList<>();
        double[] gold = {2, 4, 5, 4, 5};
        for (double g : gold) {
            sts.add(new Example("a", "b", -1, (float) g, 0));
        }
        Map<String, Double> stsb = TaskMetrics.compute(GlueTask.STSB.spec(), sts, new float[][] {{1}, {2}, {3}, {4}, {5}});
        assertEquals(6 / Math.sqrt(60), stsb.get("pearson"), 1e-6);
        assertEquals(7 / Math.sqrt(90), stsb.get("spearman"), 1e-6);
    }

    /** MNLI: accuracy per dev set, suffixed by the set's name; the score averages matched and mismatched. */
    @Test
    void mnliMatchedAndMismatched() {
        int[] gold = {0, 1, 2, 0};
        double matched = Metrics.accuracy(new int[] {0, 1, 2, 1}, gold); // 0.75
        double mismatched = Metrics.accuracy(new int[] {0, 2, 1, 1}, gold); // 0.25
        Map<String, Double> m = Map.of("accuracy_matched", matched, "accuracy_mismatched", mismatched);
        assertEquals(0.75, m.get("accuracy_matched"));
        assertEquals(0.5, (matched + mismatched) / 2, 1e-12);
        assertEquals(List.of("contradiction", "entailment", "neutral"), GlueTask.MNLI.labels);
        assertEquals(List.of("dev_matched.tsv", "dev_mismatched.tsv"), GlueTask.MNLI.devFiles);
    }

    /** Macro-F1 and multi-class MCC (Gorodkin's R_K, scikit-learn's) on a hand-worked three-class case. */
    @Test
    void multiClassMetrics() {
        int[] pred = {0, 1, 2, 2, 1};
        int[] gold = {0, 1, 1, 2, 2};
        // per-class F1: 1, 1/2, 1/2
        assertEquals(2.0 / 3, Metrics.macroF1(pred, gold, 3), 1e-12);
        // 3 correct of 5; gold and predicted counts both (1, 2, 2): (3*5 - 9) / sqrt((25 - 9)(25 - 9))
        assertEquals(0.375, Metrics.matthewsMulticlass(pred, gold, 3), 1e-12);
        int[] bp = {1, 0, 1, 1, 0, 0};
        int[] bg = {1, 0, 0, 1, 1, 0};
        assertEquals(Metrics.matthews(bp, bg), Metrics.matthewsMulticlass(bp, bg, 2), 1e-12, "equal to the binary formula");
    }

    /** Multi-label micro and macro F1 on a hand-worked case. */
    @Test
    void multiLabelF1() {
        boolean[][] pred = {{true, false}, {true, true}, {false, false}};
        boolean[][] gold = {{true, false}, {false, true}, {true, true}};
        double[] f1 = Metrics.multiLabelF1(pred, gold, 2);
        // label 0: tp 1, fp 1, fn 1 -> 1/2; label 1: tp 1, fn 1 -> 2/3; pooled: tp 2, fp 1, fn 2 -> 4/7
        assertEquals(4.0 / 7, f1[0], 1e-12);
        assertEquals((0.5 + 2.0 / 3) / 2, f1[1], 1e-12);
    }
}
