package dev.dcft.adapters.dora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.serving.BatchedRows;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import java.util.SplittableRandom;

/**
 * DoRA as the server holds it: {@code A}, {@code B}, the magnitude {@code m} and the scale. The
 * increment over the base output {@code y = x W0^T + b} is {@code (g - 1)(y - b) + g s (x A^T) B^T}
 * with {@code g = m / ||W0 + s B A||}: the base's own product is reused (each sequence's rows of
 * {@code y} hold only the base output until its own group adds to them), so a DoRA row costs LoRA's
 * two batched products and one pass over its output. {@code g} needs the served base's weight: it
 * is computed at the first batch and kept (the served base never changes).
 */
final class DoraServedLayer implements ServedLayer {
    private final int r;
    private final int in;
    private final int out;
    private final double scale;
    private final Numbers a;
    private final Numbers b;
    private final Numbers m;
    private volatile float[] g;

    DoraServedLayer(int r, int in, int out, double scale, Numbers a, Numbers b, Numbers m) {
        this.r = r;
        this.in = in;
        this.out = out;
        this.scale = scale;
        this.a = a;
        this.b = b;
        this.m = m;
    }

    @Override
    public String groupKey() {
        return "dora:" + r;
    }

    @Override
    public long numbers() {
        return (long) a.length() + b.length() + m.length();
    }

    @Override
    public ServedLayer jitter(SplittableRandom rng) {
        return new DoraServedLayer(r, in, out, scale, a.jitter(rng), b.jitter(rng), m.jitter(rng));
    }

    /** {@code m / ||W0 + s B A||} for the served base's {@code w0}, computed once. */
    private float[] magnitudeScale(NDManager scope, NDArray w0) {
        float[] v = g;
        if (v == null) {
            float[] av = new float[a.length()];
            float[] bv = new float[b.length()];
            a.copyTo(av, 0);
            b.copyTo(bv, 0);
            NDArray norm = DoraNorm.rowNorms(scope, w0, dev.dcft.model.nn.Scope.adopt(scope, DoraNorm.baseRowNormsSquared(w0)),
                    scope.create(av, new Shape(r, in)),
                    scope.create(bv, new Shape(out, r)), scale);
            float[] n = norm.toFloatArray();
            v = new float[out];
            for (int o = 0; o < out; o++) {
                v[o] = m.get(o) / n[o];
            }
            g = v;
        }
        return v;
    }

    @Override
    public void addBatched(BatchedRows rows) {
        int s = rows.sequences();
        NDManager scope = rows.scope();
        float[] inAll = new float[s * r * in];
        float[] outAll = new float[s * r * out];
        float[] gm1 = new float[s * out];
        for (int row : rows.rows()) {
            DoraServedLayer w = (DoraServedLayer) rows.layers()[row];
            float[] gw = w.magnitudeScale(scope, rows.base().weight().value());
            w.a.copyTo(inAll, row * r * in);
            // (g s B)^T, [r, out]: the low-rank product comes out already multiplied by g.
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < r; k++) {
                    outAll[row * r * out + k * out + o] = (float) (gw[o] * w.scale * w.b.get(o * r + k));
                }
                gm1[row * out + o] = gw[o] - 1;
            }
        }
        NDArray y = rows.y();
        NDArray baseOnly = rows.base().bias() == null ? y : y.sub(rows.base().bias().value());
        NDArray rescale = baseOnly.mul(scope.create(gm1, new Shape(s, 1, out)));
        NDArray kin = scope.create(inAll, new Shape(s, r, in)).transpose(0, 2, 1);
        NDArray kout = scope.create(outAll, new Shape(s, r, out));
        y.addi(rescale).addi(rows.x().batchMatMul(kin).batchMatMul(kout));
    }
}
