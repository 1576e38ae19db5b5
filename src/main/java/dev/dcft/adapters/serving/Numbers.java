package dev.dcft.adapters.serving;

import java.util.SplittableRandom;

/**
 * An adapter's numbers as the server keeps them on the heap: float32, or bfloat16 (two bytes a
 * number, {@code --adapter-storage bf16}: ten thousand bert-base-sized adapters fit in half a
 * gigabyte) widened exactly to float32 when a batch reads them.
 */
public final class Numbers {
    private final float[] f32;
    private final short[] bf16;

    private Numbers(float[] f32, short[] bf16) {
        this.f32 = f32;
        this.bf16 = bf16;
    }

    /** {@code v} kept as is, or rounded to bfloat16 (nearest, ties to even). */
    public static Numbers of(float[] v, boolean bf16) {
        if (!bf16) {
            return new Numbers(v, null);
        }
        short[] s = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToRawIntBits(v[i]);
            s[i] = (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
        }
        return new Numbers(null, s);
    }

    public int length() {
        return f32 != null ? f32.length : bf16.length;
    }

    public float get(int i) {
        return f32 != null ? f32[i] : Float.intBitsToFloat(bf16[i] << 16);
    }

    /** Copies all numbers into {@code dst} from {@code offset}. */
    public void copyTo(float[] dst, int offset) {
        if (f32 != null) {
            System.arraycopy(f32, 0, dst, offset, f32.length);
            return;
        }
        for (int i = 0; i < bf16.length; i++) {
            dst[offset + i] = Float.intBitsToFloat(bf16[i] << 16);
        }
    }

    /** Every number scaled by a random factor in [0.5, 1.5), in the same storage (benchmark copies). */
    public Numbers jitter(SplittableRandom rng) {
        float[] out = new float[length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i) * (float) (0.5 + rng.nextDouble());
        }
        return of(out, bf16 != null);
    }
}
