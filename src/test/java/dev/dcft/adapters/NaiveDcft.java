package dev.dcft.adapters;

/**
 * DCFT by its definition, in double precision loops (SPEC section 1):
 * D[i*t + p, j*t + q] += F[i, j] C[p, q], F = A^T B^T, Delta = D^T,
 * y = x (W0 + s Delta)^T + b. The reference the engine code is tested against.
 */
final class NaiveDcft {
    private NaiveDcft() {
    }

    /** D, {@code [in][out]}, from A {@code [r][nIn]}, B {@code [nOut][r]}, C {@code [d][d]}. */
    static double[][] deconvolution(double[][] a, double[][] b, double[][] c, int t, int in, int out) {
        int r = a.length;
        int nIn = a[0].length;
        int nOut = b.length;
        int d = c.length;
        double[][] dm = new double[in][out];
        for (int i = 0; i < nIn; i++) {
            for (int j = 0; j < nOut; j++) {
                double f = 0;
                for (int k = 0; k < r; k++) {
                    f += a[k][i] * b[j][k];
                }
                for (int p = 0; p < d; p++) {
                    for (int q = 0; q < d; q++) {
                        dm[i * t + p][j * t + q] += f * c[p][q];
                    }
                }
            }
        }
        return dm;
    }

    /** y {@code [n][out]} = x (W0 + s D^T)^T + bias. */
    static double[][] forward(double[][] x, double[][] w0, double[] bias, double[][] d, double s) {
        int n = x.length;
        int out = w0.length;
        int in = w0[0].length;
        double[][] y = new double[n][out];
        for (int row = 0; row < n; row++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int i = 0; i < in; i++) {
                    acc += x[row][i] * (w0[o][i] + s * d[i][o]);
                }
                y[row][o] = acc;
            }
        }
        return y;
    }
}
