package dev.dcft.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Batches of inputs of similar length, results back in input order: a batch pads to its longest text, so sorting a chunk
 * by length before cutting it into batches saves most of the padding (HF's group_by_length does the same for training).
 * Predictions do not depend on the batch a text is in (padding is masked), so the grouping changes speed only.
 */
final class LengthGroups {
    /** Batches per chunk of a partition: the window within which texts are sorted by length. */
    static final int CHUNK_BATCHES = 16;

    private LengthGroups() {
    }

    static <I, O> List<O> run(List<I> inputs, int batch, ToIntFunction<I> length, Function<List<I>, List<O>> predict) {
        Integer[] order = new Integer[inputs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> length.applyAsInt(inputs.get(i))));
        List<O> out = new ArrayList<>(java.util.Collections.nCopies(inputs.size(), (O) null));
        for (int start = 0; start < order.length; start += batch) {
            int end = Math.min(order.length, start + batch);
            List<I> part = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                part.add(inputs.get(order[k]));
            }
            List<O> got = predict.apply(part);
            for (int k = start; k < end; k++) {
                out.set(order[k], got.get(k - start));
            }
        }
        return out;
    }
}
