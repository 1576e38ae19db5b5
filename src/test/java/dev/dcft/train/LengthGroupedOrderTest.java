package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Length grouping keeps every example once per epoch, keeps chunks where the shuffle put them, and cuts padding. */
class LengthGroupedOrderTest {

    @Test
    void rearrangesWithinChunksOnlyAndSortsEachLongestFirst() {
        int n = 5003;
        int batch = 8;
        int[] lengths = new int[n];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            lengths[i] = 5 + r.nextInt(120);
        }
        int[] shuffled = Trainer.permutation(n, 11);
        int[] grouped = LengthGroupedOrder.of(shuffled, i -> lengths[i], batch);

        int[] a = shuffled.clone();
        int[] b = grouped.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        assertArrayEquals(a, b, "a permutation of the same indices");

        int chunk = LengthGroupedOrder.BATCHES_PER_CHUNK * batch;
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            int[] before = Arrays.copyOfRange(shuffled, start, end);
            int[] after = Arrays.copyOfRange(grouped, start, end);
            Arrays.sort(before);
            int[] afterSorted = after.clone();
            Arrays.sort(afterSorted);
            assertArrayEquals(before, afterSorted, "chunk at " + start + " holds the same examples");
            for (int i = 1; i < after.length; i++) {
                assertTrue(lengths[after[i - 1]] >= lengths[after[i]], "chunk at " + start + " sorted longest first");
            }
        }
        assertTrue(padded(grouped, lengths, batch) < 0.6 * padded(shuffled, lengths, batch),
                "uniform lengths 5-124: grouped batches pad far less than shuffled ones");
    }

    /** Positions a batch padded to its longest example costs: the naive sum over batches. */
    private static long padded(int[] order, int[] lengths, int batch) {
        long total = 0;
        for (int s = 0; s < order.length; s += batch) {
            int max = 0;
            int count = 0;
            for (int i = s; i < Math.min(order.length, s + batch); i++) {
                max = Math.max(max, lengths[order[i]]);
                count++;
            }
            total += (long) max * count;
        }
        return total;
    }
}
