package dev.dcft.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Dropout masks from a counter-based generator, written by Java threads straight into the engine tensor that holds
 * the mask. Element {@code i} of the {@code c}-th mask drawn on a thread since its last {@link #reseed} with seed
 * {@code s} is kept iff {@code hash(s, c, i) >= rate * 2^31}, where {@code hash} is two rounds of MurmurHash3's
 * 32-bit finaliser keyed by SplitMix64 of {@code (s, c)}. The generator has no state but {@code (s, c)}, so a mask
 * does not depend on how many threads fill it, and a run resumed at step {@code k} (which reseeds every step, see
 * {@code train/RunLoop}) draws the masks the uninterrupted run drew.
 *
 * <p>Why not the engine's own draw: libtorch's CPU {@code uniform_} produces about 3 ns per element, and attention
 * dropout draws one element per attention probability: 575 ms of a 3.6 s MiniLM step at batch 16 x 384 (BENCHMARKS.md,
 * "Dropout masks"). The loop below is plain integer arithmetic over a heap array, which HotSpot vectorises, then
 * one bulk copy into the tensor's memory.
 */
public final class DropoutMasks {
    /** Below this many elements the pool's hand-off costs more than the hashing. */
    private static final int PARALLEL_MIN = 1 << 16;
    private static final int BLOCK = 4096;
    private static final ThreadLocal<long[]> STREAM = ThreadLocal.withInitial(() -> new long[] {0L, 0L});
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[BLOCK]);
    /** 0, 1, ..., BLOCK - 1: the loop reads element indices from here because HotSpot 17 does not vectorise a loop
     * that uses its own counter as a value (measured: 58 ms against 8.8 ms for 28 million elements on one thread). */
    private static final int[] IOTA = java.util.stream.IntStream.range(0, BLOCK).toArray();
    private static volatile ExecutorService pool;

    private DropoutMasks() {
    }

    /** Starts the calling thread's mask stream afresh from {@code seed} (called with the engine's seed). */
    public static void reseed(long seed) {
        long[] s = STREAM.get();
        s[0] = seed;
        s[1] = 0;
    }

    /**
     * The next inverted-dropout mask of the calling thread's stream: {@code 1 / (1 - rate)} where kept, 0 where
     * dropped, float32, in {@code scope}. Returns null for a tensor too large for one Java buffer (over 2^29
     * elements); callers then draw from the engine.
     */
    public static NDArray next(NDManager scope, Shape shape, float rate) {
        long size = shape.size();
        if (size * Float.BYTES > Integer.MAX_VALUE) {
            return null;
        }
        long[] s = STREAM.get();
        long key = splitMix64(s[0] * 0x9E3779B97F4A7C15L + (s[1]++));
        NDArray mask = scope.create(shape, DataType.FLOAT32);
        IntBuffer out = mask.toByteBuffer(true).order(ByteOrder.nativeOrder()).asIntBuffer();
        fill(out, (int) size, (int) key, (int) (key >>> 32), threshold(rate), Float.floatToIntBits(1f / (1f - rate)),
                Engines.threads());
        return mask;
    }

    /** The 31-bit threshold a hash's top 31 bits must reach to keep an element. */
    static int threshold(float rate) {
        return (int) Math.round(rate * 2147483648.0);
    }

    /**
     * Whether element {@code i} is kept under keys {@code k0, k1} and {@code threshold}: the definition the vectorised
     * loop in {@link #fillRange} computes (kept for the tests, which check the loop against it).
     */
    static boolean kept(int i, int k0, int k1, int threshold) {
        return (hash(i, k0, k1) >>> 1) >= threshold;
    }

    static int hash(int i, int k0, int k1) {
        return fmix32(fmix32(i + k0) ^ k1);
    }

    /** Writes the mask of keys {@code k0, k1} into {@code out}, split over up to {@code maxThreads} threads. */
    static void fill(IntBuffer out, int size, int k0, int k1, int threshold, int scaleBits, int maxThreads) {
        int threads = Math.max(1, Math.min(maxThreads, size / PARALLEL_MIN));
        if (threads == 1) {
            fillRange(out, 0, size, k0, k1, threshold, scaleBits);
            return;
        }
        int per = (size + threads - 1) / threads;
        Future<?>[] parts = new Future<?>[threads - 1];
        for (int t = 1; t < threads; t++) {
            int from = t * per;
            int to = Math.min(size, from + per);
            parts[t - 1] = pool().submit(() -> fillRange(out, from, to, k0, k1, threshold, scaleBits));
        }
        fillRange(out, 0, Math.min(size, per), k0, k1, threshold, scaleBits);
        for (Future<?> part : parts) {
            try {
                part.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while drawing a dropout mask", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("drawing a dropout mask failed", e.getCause());
            }
        }
    }

    private static void fillRange(IntBuffer out, int from, int to, int k0, int k1, int threshold, int scaleBits) {
        int[] block = SCRATCH.get();
        int below = threshold - 1;
        for (int start = from; start < to; start += BLOCK) {
            int n = Math.min(BLOCK, to - start);
            int base = start + k0;
            for (int j = 0; j < n; j++) {
                int x = fmix32(fmix32(IOTA[j] + base) ^ k1);
                // (threshold - 1 - top31) is negative exactly when the element is kept: its sign, spread over the
                // word, selects the scale's bits or zero without a branch.
                block[j] = ((below - (x >>> 1)) >> 31) & scaleBits;
            }
            out.put(start, block, 0, n);
        }
    }

    private static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    private static long splitMix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static ExecutorService pool() {
        if (pool == null) {
            synchronized (DropoutMasks.class) {
                if (pool == null) {
                    // The caller fills one share itself; more workers than cores only wait for each other.
                    int workers = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
                    pool = Executors.newFixedThreadPool(workers, r -> {
                        Thread t = new Thread(r, "dcft-dropout-mask");
                        t.setDaemon(true);
                        return t;
                    });
                }
            }
        }
        return pool;
    }
}
