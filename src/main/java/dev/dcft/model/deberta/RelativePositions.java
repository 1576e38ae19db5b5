package dev.dcft.model.deberta;

/**
 * DeBERTa's relative positions between query i and key j: {@code i - j}, log-bucketed beyond
 * half the bucket count when buckets are set. The arithmetic is fp32 as in Hugging Face's
 * (torch) definition, so that bucket boundaries fall where theirs do.
 */
public final class RelativePositions {
    private RelativePositions() {
    }

    /** The (possibly bucketed) relative position of query i to key j, {@code rel = i - j}. */
    public static long bucket(long rel, int bucketSize, int maxPosition) {
        if (bucketSize <= 0 || maxPosition <= 0) {
            return rel;
        }
        int mid = bucketSize / 2;
        long abs = (rel < mid && rel > -mid) ? mid - 1 : Math.abs(rel);
        if (abs <= mid) {
            return rel;
        }
        float logPos = (float) Math.ceil((float) Math.log((float) abs / mid) / (float) Math.log((float) ((maxPosition - 1) / (double) mid))
                * (mid - 1)) + mid;
        return (long) logPos * Long.signum(rel);
    }

    /** c2p gather indices {@code [T*T]}, row i, column j: {@code clamp(bucket(i - j) + span, 0, 2 span - 1)}. */
    public static long[] c2pIndex(int t, DebertaV2Config c) {
        int span = c.attentionSpan();
        long[] out = new long[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                out[i * t + j] = clamp(bucket(i - j, c.positionBuckets, c.maxRelativePositions) + span, 2L * span - 1);
            }
        }
        return out;
    }

    /** p2c gather indices {@code [T*T]}, row j (key), column i (query): {@code clamp(span - bucket(j - i), 0, 2 span - 1)}. */
    public static long[] p2cIndex(int t, DebertaV2Config c) {
        int span = c.attentionSpan();
        long[] out = new long[t * t];
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < t; i++) {
                out[j * t + i] = clamp(span - bucket(j - i, c.positionBuckets, c.maxRelativePositions), 2L * span - 1);
            }
        }
        return out;
    }

    private static long clamp(long v, long max) {
        return Math.max(0, Math.min(max, v));
    }
}
