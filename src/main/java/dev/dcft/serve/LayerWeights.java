package dev.dcft.serve;

/**
 * One adapter's numbers for one adapted linear layer, on the Java heap (a loaded adapter holds no
 * engine tensors: ten thousand of them cost only their numbers). Rows of a batch that share a
 * {@link #groupKey} are computed together in one set of batched products.
 */
sealed interface LayerWeights permits LayerWeights.Kronecker, LayerWeights.Factors {
    String groupKey();

    long numbers();

    /**
     * DCFT with stride = kernel: {@code x Delta_s = vec(B (A X C))} with {@code X} the input row as
     * {@code [n_in, d]}, so only {@code A [r, n_in]}, {@code s B [n_out, r]} and {@code C [d, d]} are kept.
     */
    record Kronecker(int d, int r, int nIn, int nOut, Numbers a, Numbers scaledB, Numbers c) implements LayerWeights {
        @Override
        public String groupKey() {
            return "kron:" + d + ":" + r;
        }

        @Override
        public long numbers() {
            return (long) a.length() + scaledB.length() + c.length();
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
    }
}
