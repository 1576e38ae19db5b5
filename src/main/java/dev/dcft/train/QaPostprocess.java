package dev.dcft.train;

import dev.dcft.data.squad.QaFeatures;
import dev.dcft.data.squad.SquadQuestion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers from start/end logits as Hugging Face's run_qa post-processing makes them: in every
 * window of a question, the {@code nBest} highest start and end logits; spans inside the context
 * with end >= start and at most {@code maxAnswerLength} tokens, scored start + end logit; the best
 * over all windows. SQuAD v2.0: the null score is the minimum over windows of the first token's
 * start + end; the answer is "" when null score - best span score exceeds {@code nullThreshold}.
 */
public final class QaPostprocess {
    /** One question's answer: text, character span in the context (-1 when empty), score, and null odds (v2.0). */
    public record Answer(String text, int start, int end, double score, double nullOdds) {
    }

    private final int nBest;
    private final int maxAnswerLength;
    private final boolean allowNull;
    private final double nullThreshold;

    public QaPostprocess(int nBest, int maxAnswerLength, boolean allowNull, double nullThreshold) {
        this.nBest = nBest;
        this.maxAnswerLength = maxAnswerLength;
        this.allowNull = allowNull;
        this.nullThreshold = nullThreshold;
    }

    /** {@code outputs[f]} holds feature f's logits as [T, 2] rows (start, end), T at least its length. */
    public Map<String, Answer> answers(List<SquadQuestion> questions, List<QaFeatures.Feature> features, float[][] outputs) {
        List<List<Integer>> byQuestion = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            byQuestion.add(new ArrayList<>());
        }
        for (int f = 0; f < features.size(); f++) {
            byQuestion.get(features.get(f).question()).add(f);
        }
        Map<String, Answer> out = new LinkedHashMap<>();
        for (int qi = 0; qi < questions.size(); qi++) {
            SquadQuestion q = questions.get(qi);
            double best = Double.NEGATIVE_INFINITY;
            int bestStart = -1;
            int bestEnd = -1;
            double minNull = Double.POSITIVE_INFINITY;
            for (int f : byQuestion.get(qi)) {
                QaFeatures.Feature feat = features.get(f);
                float[] row = outputs[f];
                int len = feat.ids().length;
                minNull = Math.min(minNull, row[0] + row[1]);
                int[] starts = top(row, 0, len);
                int[] ends = top(row, 1, len);
                for (int s : starts) {
                    for (int e : ends) {
                        if (feat.offsets()[s] == null || feat.offsets()[e] == null || e < s || e - s + 1 > maxAnswerLength) {
                            continue;
                        }
                        double score = row[2 * s] + row[2 * e + 1];
                        if (score > best) {
                            best = score;
                            bestStart = feat.offsets()[s][0];
                            bestEnd = feat.offsets()[e][1];
                        }
                    }
                }
            }
            double nullOdds = minNull - best;
            boolean none = bestStart < 0 || (allowNull && nullOdds > nullThreshold);
            out.put(q.id(), none ? new Answer("", -1, -1, allowNull ? minNull : best, nullOdds)
                    : new Answer(q.context().substring(bestStart, bestEnd), bestStart, bestEnd, best, nullOdds));
        }
        return out;
    }

    /** Indices of the nBest largest values of column {@code col} among the first {@code len} rows. */
    private int[] top(float[] row, int col, int len) {
        Integer[] idx = new Integer[len];
        for (int t = 0; t < len; t++) {
            idx[t] = t;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(row[2 * b + col], row[2 * a + col]));
        int n = Math.min(nBest, len);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
