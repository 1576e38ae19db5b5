package dev.dcft.adapters.dcft;

/**
 * The subspace sizes of one adapted matrix: {@code n = (dim - d) / t + 1} along each side, which
 * must be whole (SPEC section 1).
 */
public record DcftGeometry(int in, int out, int kernel, int stride, int rank, int nIn, int nOut) {

    /** Checks that kernel and stride fit the layer; the message names the module. */
    public static DcftGeometry of(String module, int in, int out, int kernel, int stride, int rank) {
        if (kernel < 1 || stride < 1 || stride > kernel || rank < 1) {
            throw new IllegalArgumentException("DCFT needs kernel >= 1, 1 <= stride <= kernel and rank >= 1, got kernel "
                    + kernel + ", stride " + stride + ", rank " + rank);
        }
        return new DcftGeometry(in, out, kernel, stride, rank, side(module, "input", in, kernel, stride),
                side(module, "output", out, kernel, stride));
    }

    private static int side(String module, String what, int dim, int kernel, int stride) {
        if (dim < kernel || (dim - kernel) % stride != 0) {
            throw new IllegalArgumentException("kernel " + kernel + " with stride " + stride + " does not fit module '"
                    + module + "': its " + what + " size " + dim + " needs (" + dim + " - " + kernel
                    + ") to be a non-negative multiple of " + stride);
        }
        return (dim - kernel) / stride + 1;
    }

    /** Trainable numbers: {@code r (n_in + n_out) + d^2}. */
    public long parameterCount() {
        return (long) rank * (nIn + nOut) + (long) kernel * kernel;
    }
}
