package dev.dcft.model.decoder;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from one row of logits as {@link GenerationOptions} say (temperature, top-k, then top-p). */
final class TokenSampler {
    private final GenerationOptions o;
    private final SplittableRandom random;

    TokenSampler(GenerationOptions o) {
        this.o = o;
        this.random = new SplittableRandom(o.seed());
    }

    int next(float[] logits) {
        if (o.greedy()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i; // the first of equal maxima, as argmax
                }
            }
            return best;
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = o.topK() > 0 ? Math.min(o.topK(), order.length) : order.length;
        double max = logits[order[0]] / o.temperature();
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] / o.temperature() - max);
            sum += p[i];
        }
        // top-p: the smallest prefix of the sorted tokens whose probability reaches topP (at least one token).
        double cumulative = 0;
        int nucleus = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= o.topP()) {
                nucleus = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < nucleus; i++) {
            total += p[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < nucleus; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[nucleus - 1];
    }
}
