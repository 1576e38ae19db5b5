package dev.dcft.train;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * An epoch's shuffled order rearranged so that each batch holds examples of similar length, as
 * Hugging Face's {@code group_by_length} does it: the shuffled order is cut into chunks of
 * {@value #BATCHES_PER_CHUNK} batches and each chunk is sorted longest first. Batches are padded
 * to their longest example, so on GLUE's mixed lengths this removes most of the padding (STS-B's
 * mean batch shrinks by about half) while the chunk boundaries keep the epoch's order random.
 */
final class LengthGroupedOrder {
    static final int BATCHES_PER_CHUNK = 50;

    private LengthGroupedOrder() {
    }

    /** {@code shuffled} rearranged; every index appears exactly once, as in the input. */
    static int[] of(int[] shuffled, IntUnaryOperator length, int batch) {
        int chunk = BATCHES_PER_CHUNK * batch;
        int[] out = new int[shuffled.length];
        for (int start = 0; start < shuffled.length; start += chunk) {
            int end = Math.min(shuffled.length, start + chunk);
            Integer[] part = new Integer[end - start];
            for (int i = start; i < end; i++) {
                part[i - start] = shuffled[i];
            }
            // Stable sort: equal lengths keep their shuffled order, so the result depends on the seed alone.
            Arrays.sort(part, (x, y) -> Integer.compare(length.applyAsInt(y), length.applyAsInt(x)));
            for (int i = 0; i < part.length; i++) {
                out[start + i] = part[i];
            }
        }
        return out;
    }
}
