package dev.dcft.adapters.dora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Scope;

/**
 * The row norms {@code ||W0 + s B A||} DoRA divides by, without building {@code W0 + s B A}: for
 * output row {@code o}, {@code ||w_o||^2 + 2 s b_o . (A w_o) + s^2 b_o (A A^T) b_o^T}. The first
 * term is the frozen base's, computed once; the rest costs one {@code [out, in] x [in, r]} product
 * and an {@code r x r} Gram matrix, against building and reducing an {@code [out, in]} matrix.
 */
public final class DoraNorm {
    private DoraNorm() {
    }

    /** {@code ||w_o||^2} per output row of {@code w} ({@code [out, in]}, float32 or bfloat16), as float32 {@code [out]}. */
    public static NDArray baseRowNormsSquared(NDArray w) {
        NDArray f = Bf16.isBf16(w) ? Bf16.toFp32(w) : w;
        NDArray out = f.square().sum(new int[] {1});
        if (f != w) {
            f.close();
        }
        return out;
    }

    /**
     * {@code ||W0 + s B A||} per row, {@code [out]}, in {@code scope}, from {@code w0} ({@code [out, in]}),
     * its {@link #baseRowNormsSquared}, {@code a} {@code [r, in]} and {@code b} {@code [out, r]}. No
     * gradient flows through it (DoRA treats the norm as a constant, as the paper and PEFT do).
     */
    public static NDArray rowNorms(NDManager scope, NDArray w0, NDArray w0Squared, NDArray a, NDArray b, double s) {
        NDArray ad = Scope.adopt(scope, a.stopGradient());
        NDArray bs = Scalars.mul(Scope.adopt(scope, b.stopGradient()), s);
        NDArray w = Bf16.isBf16(w0) ? Scope.adopt(scope, Bf16.toFp32(w0)) : w0;
        NDArray p = Scope.adopt(scope, ai.djl.nn.core.Linear.linear(w, ad).singletonOrThrow()); // [out, r] = W0 A^T: row o is A w_o
        NDArray gram = ad.matMul(ad.transpose()); // [r, r]
        NDArray cross = bs.mul(p).sum(new int[] {1});
        NDArray quad = bs.matMul(gram).mul(bs).sum(new int[] {1});
        NDArray sq = Scalars.mul(cross, 2).add(quad).add(w0Squared); // the scope's arrays first: results land in the scope
        // Rounding can take an exactly zero row a hair below zero.
        return sq.maximum(0f).sqrt();
    }
}
