package dev.dcft.adapters.dcft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.dcft.model.nn.Scope;

/**
 * The factorised form of DCFT's increment. With {@code D = conv_transpose2d(A^T B^T, C, stride t)}
 * ({@code in x out}), {@code D = K_in K_out^T} where
 * <pre>
 *   K_in [i*t + p, k*d + q] += A[k, i] * C[p, q]      (in  x r*d)
 *   K_out[j*t + q, k*d + q] += B[j, k]                 (out x r*d)
 * </pre>
 * so {@code x D = (x K_in) K_out^T}: two thin matrix products and never an {@code in x out} matrix.
 * For {@code t = d} the "+=" never overlaps and both factors are Kronecker products (a reshape);
 * for {@code t < d} rows overlap and are summed by {@link #overlapAdd}. Autograd flows through.
 */
public final class DcftKernels {
    private DcftKernels() {
    }

    /** {@code K_in}, {@code [in, r*d]}, in the given scope. */
    public static NDArray inputFactor(NDManager scope, NDArray a, NDArray c, DcftGeometry g) {
        int d = g.kernel();
        int r = g.rank();
        NDArray at = Scope.adopt(scope, a.transpose()).reshape(g.nIn(), 1, r, 1);
        NDArray cc = Scope.adopt(scope, c.reshape(1, d, 1, d));
        NDArray blocks = at.mul(cc).reshape(g.nIn(), d, (long) r * d);
        return overlapAdd(blocks, g.stride(), g.in());
    }

    /** {@code K_out}, {@code [out, r*d]}, in the given scope. */
    public static NDArray outputFactor(NDManager scope, NDArray b, DcftGeometry g) {
        int d = g.kernel();
        int r = g.rank();
        NDArray bb = Scope.adopt(scope, b.reshape(g.nOut(), 1, r, 1));
        NDArray eye = scope.eye(d).toType(b.getDataType(), false).reshape(1, d, 1, d);
        NDArray blocks = bb.mul(eye).reshape(g.nOut(), d, (long) r * d);
        return overlapAdd(blocks, g.stride(), g.out());
    }

    /** The full {@code D} ({@code in x out}): only for merging and as a benchmark baseline. */
    public static NDArray materialize(NDManager scope, NDArray a, NDArray b, NDArray c, DcftGeometry g) {
        return inputFactor(scope, a, c, g).matMul(outputFactor(scope, b, g).transpose());
    }

    /**
     * {@code out[i*t + p, :] += blocks[i, p, :]} for {@code blocks [n, d, m]}, giving {@code [total, m]}
     * with {@code total = (n - 1) t + d}.
     */
    static NDArray overlapAdd(NDArray blocks, int t, int total) {
        long n = blocks.getShape().get(0);
        int d = (int) blocks.getShape().get(1);
        long m = blocks.getShape().get(2);
        if (t == d) {
            return blocks.reshape(n * d, m);
        }
        NDManager scope = blocks.getManager();
        NDArray sum = null;
        long spread = n * t;
        for (int p = 0; p < d; p++) {
            // Rows p, p + t, p + 2t, ...: put each block row first in a group of t rows, then shift by p.
            NDArray rows = blocks.get(new NDIndex(":, {}, :", p)).expandDims(1);
            NDArray placed = t == 1 ? rows.reshape(n, m)
                    : NDArrays.concat(new ai.djl.ndarray.NDList(rows,
                            scope.zeros(new Shape(n, t - 1, m), blocks.getDataType())), 1).reshape(spread, m);
            NDArray shifted = NDArrays.concat(new ai.djl.ndarray.NDList(
                    scope.zeros(new Shape(p, m), blocks.getDataType()), placed,
                    scope.zeros(new Shape(d, m), blocks.getDataType())), 0)
                    .get(new NDIndex("0:{}, :", total));
            sum = sum == null ? shifted : sum.add(shifted);
        }
        return sum;
    }
}
