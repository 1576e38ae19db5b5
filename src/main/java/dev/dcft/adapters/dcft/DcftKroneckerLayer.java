package dev.dcft.adapters.dcft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.serving.BatchedRows;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import java.util.SplittableRandom;

/**
 * DCFT with stride = kernel as the server holds it: {@code x Delta_s = vec(B (A X C))} with
 * {@code X} the input row as {@code [n_in, d]}, so only {@code A}, {@code s B} and {@code C [d, d]}
 * are kept; A and sB transposed ({@code [n_in, r]}, {@code [r, n_out]}), the layouts a batch
 * gathers them in.
 */
record DcftKroneckerLayer(int d, int r, int nIn, int nOut, Numbers aT, Numbers scaledBT, Numbers c) implements ServedLayer {
    @Override
    public String groupKey() {
        return "kron:" + d + ":" + r;
    }

    @Override
    public long numbers() {
        return (long) aT.length() + scaledBT.length() + c.length();
    }

    @Override
    public ServedLayer jitter(SplittableRandom rng) {
        return new DcftKroneckerLayer(d, r, nIn, nOut, aT.jitter(rng), scaledBT.jitter(rng), c.jitter(rng));
    }

    /**
     * Per sequence, {@code y += vec(sB (A X C))}: {@code u = x K_in} in one batched product with
     * {@code K_in = A^T (x) C} ({@code [S, in, r*d]}, built on the engine from the sequences' own
     * {@code A} and {@code C}), then {@code y[j*d + q] += sum_k sB[j, k] u[k*d + q]} as a broadcast
     * multiply: {@code K_out} is never built, and no product has a transposed operand.
     */
    @Override
    public void addBatched(BatchedRows b) {
        int sequences = b.sequences();
        NDManager scope = b.scope();
        float[] aAll = new float[sequences * nIn * r];
        float[] bAll = new float[sequences * r * nOut];
        float[] cAll = new float[sequences * d * d];
        for (int s : b.rows()) {
            DcftKroneckerLayer w = (DcftKroneckerLayer) b.layers()[s];
            w.aT().copyTo(aAll, s * nIn * r);
            w.scaledBT().copyTo(bAll, s * r * nOut);
            w.c().copyTo(cAll, s * d * d);
        }
        NDArray kin = scope.create(aAll, new Shape(sequences, nIn, 1, r, 1)).mul(scope.create(cAll, new Shape(sequences, 1, d, 1, d)))
                .reshape(sequences, (long) nIn * d, (long) r * d);
        NDArray u = b.x().batchMatMul(kin).reshape(sequences, b.length(), r, 1, d);
        NDArray inc = u.mul(scope.create(bAll, new Shape(sequences, 1, r, nOut, 1)));
        if (r > 1) {
            inc = inc.sum(new int[] {2});
        }
        b.y().addi(inc.reshape(sequences, b.length(), (long) nOut * d));
    }
}
