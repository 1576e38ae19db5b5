package dev.dcft.adapters.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * An increment {@code (x K_in) (s K_out)^T} with both thin factors kept transposed,
 * {@code [m, in]} and {@code [m, out]}: LoRA, DCFT with stride below the kernel, and any method
 * whose increment factors through a rank-{@code m} product. Two batched products per group.
 */
public record ThinFactors(int m, int in, int out, Numbers inT, Numbers scaledOutT) implements ServedLayer {
    @Override
    public String groupKey() {
        return "factors:" + m;
    }

    @Override
    public long numbers() {
        return (long) inT.length() + scaledOutT.length();
    }

    @Override
    public ServedLayer jitter(SplittableRandom rng) {
        return new ThinFactors(m, in, out, inT.jitter(rng), scaledOutT.jitter(rng));
    }

    @Override
    public void addBatched(BatchedRows b) {
        int s = b.sequences();
        float[] inAll = new float[s * m * in];
        float[] outAll = new float[s * m * out];
        for (int row : b.rows()) {
            ThinFactors w = (ThinFactors) b.layers()[row];
            w.inT().copyTo(inAll, row * m * in);
            w.scaledOutT().copyTo(outAll, row * m * out);
        }
        NDArray kin = b.scope().create(inAll, new Shape(s, m, in)).transpose(0, 2, 1);
        NDArray kout = b.scope().create(outAll, new Shape(s, m, out));
        b.y().addi(b.x().batchMatMul(kin).batchMatMul(kout));
    }

    /** {@code scale * m^T} for a row-major {@code [rows, cols]} matrix {@code m}. */
    public static float[] transposed(float[] m, int rows, int cols, double scale) {
        float[] t = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = (float) (m[i * cols + j] * scale);
            }
        }
        return t;
    }

    /** The tensor {@code key} of {@code tensors}, checked to have {@code shape}. */
    public static dev.dcft.io.HostTensor tensor(String module, java.util.Map<String, dev.dcft.io.HostTensor> tensors, String key,
            long... shape) {
        dev.dcft.io.HostTensor v = tensors.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key + " for module '" + module + "'");
        }
        if (!java.util.Arrays.equals(v.shape(), shape)) {
            throw new LayerMismatchException("module '" + module + "' " + key + " is " + v.shapeString() + ", this base needs "
                    + java.util.Arrays.toString(shape));
        }
        return v;
    }
}
