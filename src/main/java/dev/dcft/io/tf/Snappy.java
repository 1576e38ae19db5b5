package dev.dcft.io.tf;

import dev.dcft.io.ModelFormatException;

/** Snappy's raw block format, decompression only: what a LevelDB-format table may compress its blocks with. */
final class Snappy {
    private Snappy() {
    }

    static byte[] decompress(byte[] in, String source) {
        try {
            int[] pos = {0};
            long len = varint(in, pos);
            // A copy element of 3 bytes yields at most 64 (the best ratio snappy has), so no honest block expands more
            // than 22-fold: a larger claimed length is a forged one, refused before it is allocated (fuzzing found it).
            if (len < 0 || len > Integer.MAX_VALUE - 8 || len > 22L * in.length + 64) {
                throw new IllegalArgumentException("bad length " + len + " for " + in.length + " compressed bytes");
            }
            byte[] out = new byte[(int) len];
            int o = 0;
            int p = pos[0];
            while (p < in.length) {
                int tag = in[p++] & 0xff;
                int kind = tag & 3;
                if (kind == 0) {
                    int n = tag >>> 2;
                    if (n >= 60) {
                        int bytes = n - 59;
                        n = 0;
                        for (int i = 0; i < bytes; i++) {
                            n |= (in[p++] & 0xff) << (8 * i);
                        }
                    }
                    n += 1;
                    System.arraycopy(in, p, out, o, n);
                    p += n;
                    o += n;
                    continue;
                }
                int length;
                int offset;
                if (kind == 1) {
                    length = ((tag >>> 2) & 7) + 4;
                    offset = ((tag >>> 5) << 8) | (in[p++] & 0xff);
                } else if (kind == 2) {
                    length = (tag >>> 2) + 1;
                    offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8;
                    p += 2;
                } else {
                    length = (tag >>> 2) + 1;
                    offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff) << 16 | (in[p + 3] & 0xff) << 24;
                    p += 4;
                }
                if (offset <= 0 || offset > o || o + length > out.length) {
                    throw new IllegalArgumentException("bad copy");
                }
                for (int i = 0; i < length; i++) {
                    out[o + i] = out[o - offset + i];
                }
                o += length;
            }
            if (o != out.length) {
                throw new IllegalArgumentException("short output");
            }
            return out;
        } catch (RuntimeException e) {
            throw new ModelFormatException(source, "corrupt snappy-compressed block in the checkpoint index");
        }
    }

    private static long varint(byte[] in, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in[pos[0]++];
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("bad varint");
    }
}
