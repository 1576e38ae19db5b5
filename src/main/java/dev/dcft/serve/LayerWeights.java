package dev.dcft.serve;

import java.util.SplittableRandom;

/**
 * One adapter's numbers for one adapted linear layer, on the Java heap (a loaded adapter holds no
 * engine tensors: ten thousand of them cost only their numbers). Rows of a batch that share a
 * {@link #groupKey} are computed together in one set of batched products.
 */
sealed interface LayerWeights permits LayerWeights.Kronecker, LayerWeights.Factors {
    String groupKey();

    long numbers();

    /** The same kind of weights with every number scaled by a random factor (benchmark copies). */
    LayerWeights jitter(SplittableRandom rng);

    /**
     * DCFT with stride = kernel: {@code x Delta_s = vec(B (A X C))} with {@code X} the input row as
     * {@code [n_in, d]}, so only {@code A}, {@code s B} and {@code C [d, d]} are kept; A and sB
     * transposed ({@code [n_in, r]}, {@code [r, n_out]}), the layouts a batch gathers them in.
     */
    record Kronecker(int d, int r, int nIn, int nOut, Numbers aT, Numbers scaledBT, Numbers c) implements LayerWeights {
        @Override
        public String groupKey() {
            return "kron:" + d + ":" + r;
        }

        @Override
        public long numbers() {
            return (long) aT.length() + scaledBT.length() + c.length();
        }

        @Override
        public LayerWeights jitter(SplittableRandom rng) {
            return new Kronecker(d, r, nIn, nOut, aT.jitter(rng), scaledBT.jitter(rng), c.jitter(rng));
        }
    }

    /**
     * Any other adapter (LoRA, DCFT with stride < kernel): the increment is {@code (x K_in) (s K_out)^T}
     * with both thin factors kept transposed, {@code [m, in]} and {@code [m, out]}.
     */
    record Factors(int m, int in, int out, Numbers inT, Numbers scaledOutT) implements LayerWeights {
        @Override
        public String groupKey() {
            return "factors:" + m;
        }

        @Override
        public long numbers() {
            return (long) inT.length() + scaledOutT.length();
        }

        @Override
        public LayerWeights jitter(SplittableRandom rng) {
            return new Factors(m, in, out, inT.jitter(rng), scaledOutT.jitter(rng));
        }
    }
}
