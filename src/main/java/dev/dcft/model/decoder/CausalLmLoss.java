package dev.dcft.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Next-token cross-entropy as Hugging Face's causal LMs compute it: the logits at position {@code t} predict the token
 * at {@code t + 1}; only targets marked trained count (a prompt, a padding or a user turn is not), and the loss is
 * their mean.
 */
public final class CausalLmLoss {
    private CausalLmLoss() {
    }

    /**
     * Sum of the negative log-likelihoods (a scalar) of the marked next tokens: {@code logits} {@code [B, T, V]},
     * {@code ids} {@code [B][T]}, {@code trained[b][t]} whether token {@code t} (t >= 1) is scored.
     */
    public static NDArray summedNll(NDManager scope, NDArray logits, long[][] ids, boolean[][] trained) {
        int b = ids.length;
        int t = ids[0].length;
        long[] targets = new long[b * (t - 1)];
        float[] weights = new float[b * (t - 1)];
        for (int i = 0; i < b; i++) {
            for (int j = 1; j < t; j++) {
                targets[i * (t - 1) + j - 1] = ids[i][j];
                weights[i * (t - 1) + j - 1] = trained[i][j] ? 1f : 0f;
            }
        }
        NDArray shifted = logits.get(":, :-1, :");
        NDArray logp = shifted.logSoftmax(-1);
        NDArray picked = logp.gather(scope.create(targets, new Shape(b, t - 1, 1)), -1).reshape(b, t - 1);
        return picked.mul(scope.create(weights, new Shape(b, t - 1))).sum().neg();
    }

    /** How many targets {@link #summedNll} scores. */
    public static int scored(boolean[][] trained) {
        int n = 0;
        for (boolean[] row : trained) {
            for (int j = 1; j < row.length; j++) {
                n += row[j] ? 1 : 0;
            }
        }
        return n;
    }
}
