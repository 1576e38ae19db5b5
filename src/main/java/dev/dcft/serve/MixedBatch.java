package dev.dcft.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One forward pass's routing: sequence {@code s} of the batch uses adapter {@code adapters[s]}
 * (null: the base alone). For each adapted layer, the sequences whose adapters share a kind of
 * increment ({@link LayerWeights#groupKey}) are computed together: their numbers are copied from
 * the heap into one tensor per kind (zeros for the other sequences) and multiplied in batched
 * products, so a batch mixing a thousand adapters costs what a batch of one unmerged adapter does.
 */
final class MixedBatch {
    private final NDManager scope;
    private final List<ServedAdapter> adapters;
    private final int sequences;
    private final int length;

    MixedBatch(NDManager scope, List<ServedAdapter> adapters, int length) {
        this.scope = scope;
        this.adapters = adapters;
        this.sequences = adapters.size();
        this.length = length;
    }

    /**
     * {@code y} plus, for each sequence, its adapter's increment for layer {@code path}, computed
     * from {@code x} ({@code [S, T, in]} or {@code [S*T, in]}); {@code y} (the base layer's fresh
     * output, same layout) is updated in place and returned.
     */
    NDArray addTo(String path, NDArray x, NDArray y) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        LayerWeights[] weights = new LayerWeights[sequences];
        for (int s = 0; s < sequences; s++) {
            ServedAdapter a = adapters.get(s);
            LayerWeights w = a == null ? null : a.layers().get(path);
            if (w != null) {
                weights[s] = w;
                groups.computeIfAbsent(w.groupKey(), k -> new ArrayList<>()).add(s);
            }
        }
        if (groups.isEmpty()) {
            return y;
        }
        long in = x.getShape().get(x.getShape().dimension() - 1);
        long out = y.getShape().get(y.getShape().dimension() - 1);
        NDArray x3 = x.reshape(sequences, length, in);
        NDArray y3 = y.reshape(sequences, length, out);
        for (List<Integer> rows : groups.values()) {
            LayerWeights first = weights[rows.get(0)];
            if (first instanceof LayerWeights.Kronecker k) {
                kronecker(y3, x3, k, rows, weights);
            } else {
                factors(y3, x3, (LayerWeights.Factors) first, rows, weights);
            }
        }
        return y;
    }

    /**
     * Per sequence, {@code y += vec(sB (A X C))}: {@code u = x K_in} in one batched product with
     * {@code K_in = A^T (x) C} ({@code [S, in, r*d]}, built on the engine from the sequences' own
     * {@code A} and {@code C}), then {@code y[j*d + q] += sum_k sB[j, k] u[k*d + q]} as a broadcast
     * multiply: {@code K_out} is never built, and no product has a transposed operand.
     */
    private void kronecker(NDArray y, NDArray x, LayerWeights.Kronecker k, List<Integer> rows, LayerWeights[] weights) {
        int d = k.d();
        int r = k.r();
        int nIn = k.nIn();
        int nOut = k.nOut();
        float[] aT = new float[sequences * nIn * r];
        float[] bT = new float[sequences * r * nOut];
        float[] c = new float[sequences * d * d];
        for (int s : rows) {
            LayerWeights.Kronecker w = (LayerWeights.Kronecker) weights[s];
            w.aT().copyTo(aT, s * nIn * r);
            w.scaledBT().copyTo(bT, s * r * nOut);
            w.c().copyTo(c, s * d * d);
        }
        NDArray kin = scope.create(aT, new Shape(sequences, nIn, 1, r, 1)).mul(scope.create(c, new Shape(sequences, 1, d, 1, d)))
                .reshape(sequences, (long) nIn * d, (long) r * d);
        NDArray u = x.batchMatMul(kin).reshape(sequences, length, r, 1, d);
        NDArray inc = u.mul(scope.create(bT, new Shape(sequences, 1, r, nOut, 1)));
        if (r > 1) {
            inc = inc.sum(new int[] {2});
        }
        y.addi(inc.reshape(sequences, length, (long) nOut * d));
    }

    /** Per sequence, {@code y += (x K_in) (s K_out)^T}: two batched products. */
    private void factors(NDArray y, NDArray x, LayerWeights.Factors f, List<Integer> rows, LayerWeights[] weights) {
        int m = f.m();
        float[] inT = new float[sequences * m * f.in()];
        float[] outT = new float[sequences * m * f.out()];
        for (int s : rows) {
            LayerWeights.Factors w = (LayerWeights.Factors) weights[s];
            w.inT().copyTo(inT, s * m * f.in());
            w.scaledOutT().copyTo(outT, s * m * f.out());
        }
        NDArray kin = scope.create(inT, new Shape(sequences, m, f.in())).transpose(0, 2, 1);
        NDArray kout = scope.create(outT, new Shape(sequences, m, f.out()));
        y.addi(x.batchMatMul(kin).batchMatMul(kout));
    }
}
