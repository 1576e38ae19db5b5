package dev.dcft.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded slice of the training data held out for evaluation: per label for classification
 * (stratified, at least one row of every label that has two), over all rows otherwise. The same
 * rows, seed and fraction give the same slice; both parts keep the file's order. Selecting
 * hyperparameters on it leaves the dev set for the numbers that are reported.
 */
public final class Holdout {
    private Holdout() {
    }

    /** The rows that train and the rows held out. */
    public record Split(List<Example> train, List<Example> heldOut) {
    }

    /** {@code fraction} when it lies strictly between 0 and 1; else an error naming {@code what} (the option it came from). */
    public static double requireFraction(double fraction, String what) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException(what + " must lie strictly between 0 and 1, not " + fraction);
        }
        return fraction;
    }

    public static Split split(List<Example> all, TaskType type, double fraction, long seed) {
        requireFraction(fraction, "a held-out fraction");
        Map<Integer, List<Example>> groups = new LinkedHashMap<>();
        for (Example e : all) {
            groups.computeIfAbsent(type == TaskType.CLASSIFICATION ? e.label() : 0, k -> new ArrayList<>()).add(e);
        }
        List<Example> train = new ArrayList<>();
        List<Example> held = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (List<Example> g : groups.values()) {
            List<Example> shuffled = new ArrayList<>(g);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Example t = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, t);
            }
            int n = g.size() < 2 ? 0 : Math.max(1, (int) Math.round(g.size() * fraction));
            held.addAll(shuffled.subList(0, n));
            train.addAll(shuffled.subList(n, shuffled.size()));
        }
        train.sort(Comparator.comparingInt(Example::line));
        held.sort(Comparator.comparingInt(Example::line));
        return new Split(train, held);
    }
}
