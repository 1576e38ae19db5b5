package dev.dcft.model;

/** Token ids of a batch, right-padded to a common length. */
public record TokenBatch(long[][] ids, long[][] typeIds, long[][] mask) {
    public int size() {
        return ids.length;
    }

    public int length() {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    /** Right-pads variable-length rows to the longest one. */
    public static TokenBatch pad(long[][] ids, long[][] typeIds, long padId) {
        int t = 0;
        for (long[] row : ids) {
            t = Math.max(t, row.length);
        }
        long[][] pi = new long[ids.length][t];
        long[][] pt = new long[ids.length][t];
        long[][] pm = new long[ids.length][t];
        for (int i = 0; i < ids.length; i++) {
            java.util.Arrays.fill(pi[i], padId);
            System.arraycopy(ids[i], 0, pi[i], 0, ids[i].length);
            System.arraycopy(typeIds[i], 0, pt[i], 0, typeIds[i].length);
            java.util.Arrays.fill(pm[i], 0, ids[i].length, 1L);
        }
        return new TokenBatch(pi, pt, pm);
    }
}
