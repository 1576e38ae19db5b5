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

    /** The increment for layer {@code path} on {@code x} ({@code [S, T, in]} or {@code [S*T, in]}), or null when no sequence adapts it. */
    NDArray increment(String path, NDArray x) {
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
            return null;
        }
        long in = x.getShape().get(x.getShape().dimension() - 1);
        NDArray x3 = x.reshape(sequences, length, in);
        NDArray sum = null;
        for (List<Integer> rows : groups.values()) {
            LayerWeights first = weights[rows.get(0)];
            NDArray inc = first instanceof LayerWeights.Kronecker k ? kronecker(x3, k, rows, weights) : factors(x3, (LayerWeights.Factors) first, rows, weights);
            sum = sum == null ? inc : sum.add(inc);
        }
        return x.getShape().dimension() == 3 ? sum : sum.reshape(-1, sum.getShape().get(2));
    }

    /**
     * Per sequence, the two thin factors built on the engine from the sequence's own {@code A},
     * {@code sB}, {@code C} (small tensors, {@code [S, r*d, in]} and {@code [S, r*d, out]}:
     * {@code K_in^T = A (x) C^T}, {@code K_out^T = B^T (x) I_d}), then two batched products over the
     * activations: no copy of the activations, whatever the number of adapters.
     */
    private NDArray kronecker(NDArray x, LayerWeights.Kronecker k, List<Integer> rows, LayerWeights[] weights) {
        int d = k.d();
        int r = k.r();
        int nIn = k.nIn();
        int nOut = k.nOut();
        float[] a = new float[sequences * r * nIn];
        float[] bT = new float[sequences * r * nOut];
        float[] cT = new float[sequences * d * d];
        for (int s : rows) {
            LayerWeights.Kronecker w = (LayerWeights.Kronecker) weights[s];
            System.arraycopy(w.a(), 0, a, s * r * nIn, r * nIn);
            for (int j = 0; j < nOut; j++) {
                for (int kk = 0; kk < r; kk++) {
                    bT[s * r * nOut + kk * nOut + j] = w.scaledB()[j * r + kk];
                }
            }
            for (int p = 0; p < d; p++) {
                for (int q = 0; q < d; q++) {
                    cT[s * d * d + q * d + p] = w.c()[p * d + q];
                }
            }
        }
        // K_in^T[s, (k, q), (i, p)] = A[s, k, i] C[s, p, q]
        NDArray inT = scope.create(a, new Shape(sequences, r, 1, nIn, 1)).mul(scope.create(cT, new Shape(sequences, 1, d, 1, d)))
                .reshape(sequences, (long) r * d, (long) nIn * d);
        // K_out^T[s, (k, q), (j, q')] = sB[s, j, k] [q == q']
        NDArray outT = scope.create(bT, new Shape(sequences, r, 1, nOut, 1)).mul(eye(d).reshape(1, 1, d, 1, d))
                .reshape(sequences, (long) r * d, (long) nOut * d);
        return x.batchMatMul(inT.transpose(0, 2, 1)).batchMatMul(outT);
    }

    private final Map<Integer, NDArray> eyes = new java.util.HashMap<>();

    private NDArray eye(int d) {
        return eyes.computeIfAbsent(d, n -> scope.eye(n));
    }

    /** {@code (x K_in) (s K_out)^T} per sequence: two batched products. */
    private NDArray factors(NDArray x, LayerWeights.Factors f, List<Integer> rows, LayerWeights[] weights) {
        int m = f.m();
        float[] inT = new float[sequences * m * f.in()];
        float[] outT = new float[sequences * m * f.out()];
        for (int s : rows) {
            LayerWeights.Factors w = (LayerWeights.Factors) weights[s];
            System.arraycopy(w.inT(), 0, inT, s * m * f.in(), m * f.in());
            System.arraycopy(w.scaledOutT(), 0, outT, s * m * f.out(), m * f.out());
        }
        NDArray kin = scope.create(inT, new Shape(sequences, m, f.in())).transpose(0, 2, 1);
        NDArray kout = scope.create(outT, new Shape(sequences, m, f.out()));
        return x.batchMatMul(kin).batchMatMul(kout);
    }
}
