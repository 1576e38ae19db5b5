package dev.dcft.serve;

/**
 * An adapter's task head applied on the host to one row's features: the pooler ({@code act(W h + b)} on the
 * first token, the architecture's activation, applied for the whole batch at once by
 * {@link ServingModel#activatePooler}) when the base has one, else the mean over real tokens, then the
 * classifier. A few thousand multiply-adds per row; doing it here keeps per-adapter work off the engine.
 */
final class HostHead {
    private HostHead() {
    }

    /** {@code W h + b} of the adapter's pooler on the first token's state {@code first}. */
    static double[] poolerPreActivation(ServedAdapter a, float[] first) {
        int h = first.length;
        double[] pre = new double[h];
        for (int o = 0; o < h; o++) {
            double acc = a.poolerBias().get(o);
            for (int i = 0; i < h; i++) {
                acc += (double) a.poolerWeight().get(o * h + i) * first[i];
            }
            pre[o] = acc;
        }
        return pre;
    }

    /** The classifier's logits on the pooled (or mean) features. */
    static float[] logits(ServedAdapter a, float[] pooled) {
        int h = pooled.length;
        int k = a.numLabels();
        float[] out = new float[k];
        for (int o = 0; o < k; o++) {
            double acc = a.classifierBias().get(o);
            for (int i = 0; i < h; i++) {
                acc += (double) a.classifierWeight().get(o * h + i) * pooled[i];
            }
            out[o] = (float) acc;
        }
        return out;
    }

    /** The sentence embedding {@code dcft embed} gives: the mean over real tokens, L2-normalised. */
    static float[] embedding(float[] mean) {
        double norm = 0;
        for (float v : mean) {
            norm += (double) v * v;
        }
        float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
        float[] out = new float[mean.length];
        for (int i = 0; i < mean.length; i++) {
            out[i] = mean[i] * inv;
        }
        return out;
    }
}
