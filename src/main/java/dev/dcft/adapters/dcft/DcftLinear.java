package dev.dcft.adapters.dcft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLinear;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Scope;
import dev.dcft.model.nn.Weight;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code y = x (W0 + s Delta)^T + b} with {@code Delta = conv_transpose2d(A^T B^T, C, t)^T}.
 * Tensors as PEFT would name them: {@code dcft_A} {@code [r, n_in]}, {@code dcft_B}
 * {@code [n_out, r]}, {@code dcft_C} {@code [d, d]}; the frozen layer is {@code base_layer}.
 * Training never builds {@code Delta}: see {@link DcftKernels}.
 */
public final class DcftLinear extends AdapterLinear {
    private final Weight a;
    private final Weight b;
    private final Weight c;
    private final DcftGeometry geometry;
    private final double scale;
    private final float dropout;
    private boolean materialized;

    public DcftLinear(NDManager manager, String path, Linear base, DcftConfig config, SplittableRandom rng) {
        super(base);
        this.geometry = DcftGeometry.of(path, base.inFeatures(), base.outFeatures(), config.kernel(), config.stride(), config.rank());
        this.scale = config.scale();
        this.dropout = (float) config.dropout();
        this.a = addChild("dcft_A", new Weight(gaussian(manager, rng, new Shape(geometry.rank(), geometry.nIn()))));
        Shape bShape = new Shape(geometry.nOut(), geometry.rank());
        this.b = addChild("dcft_B", new Weight(config.init() == DcftConfig.Init.ZERO ? manager.zeros(bShape) : gaussian(manager, rng, bShape)));
        this.c = addChild("dcft_C", new Weight(gaussian(manager, rng, new Shape(geometry.kernel(), geometry.kernel()))));
    }

    private static NDArray gaussian(NDManager m, SplittableRandom rng, Shape shape) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            double u = rng.nextDouble();
            double w = rng.nextDouble();
            v[i] = (float) (DcftConfig.INIT_STD * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
        }
        return m.create(v, shape);
    }

    @Override
    protected NDArray increment(NDArray x) {
        NDManager scope = x.getManager();
        NDArray h = Activations.dropout(x, dropout, isTraining());
        if (materialized) {
            // The released code's pattern, kept as a benchmark baseline: build D (in x out), then x D.
            NDArray d = DcftKernels.materialize(scope, a.value(), b.value(), c.value(), geometry);
            return Scalars.mul(ai.djl.nn.core.Linear.linear(h, d.transpose()).singletonOrThrow(), scale);
        }
        NDArray kInT = DcftKernels.inputFactorT(scope, a.value(), c.value(), geometry);
        // The scale goes on the small factor, not on the [N, out] product: one pass less over activations.
        NDArray kOutT = Scalars.mul(DcftKernels.outputFactorT(scope, b.value(), geometry), scale);
        // linear(h, K_in^T) = h K_in, then (h K_in) K_out^T.
        return ai.djl.nn.core.Linear.linear(h, kInT).singletonOrThrow().matMul(kOutT);
    }

    @Override
    protected NDArray incrementBf16(NDArray x, NDArray xBf16) {
        if (materialized) {
            return null;
        }
        NDManager scope = x.getManager();
        NDArray h = dropout > 0 && isTraining() ? Bf16.toBf16(Activations.dropout(x, dropout, true)) : xBf16;
        NDArray kInT = Bf16.toBf16(DcftKernels.inputFactorT(scope, a.value(), c.value(), geometry));
        NDArray kOutT = Bf16.toBf16(Scalars.mul(DcftKernels.outputFactorT(scope, b.value(), geometry), scale));
        return ai.djl.nn.core.Linear.linear(h, kInT).singletonOrThrow().matMul(kOutT);
    }

    /** Benchmark baseline only: rebuild the full D every forward pass instead of the factorised product. */
    @Override
    public boolean setMaterialized(boolean materialized) {
        this.materialized = materialized;
        return true;
    }

    /** {@code s * Delta}, {@code [out, in]}, in the given scope. */
    @Override
    public NDArray scaledDelta(NDManager scope) {
        return DcftKernels.materialize(scope, a.value(), b.value(), c.value(), geometry).transpose().mul((float) scale);
    }

    @Override
    public Map<String, Weight> adapterWeights() {
        Map<String, Weight> m = new LinkedHashMap<>();
        m.put("dcft_A", a);
        m.put("dcft_B", b);
        m.put("dcft_C", c);
        return m;
    }

    public DcftGeometry geometry() {
        return geometry;
    }

    public double scale() {
        return scale;
    }

    public NDArray a() {
        return a.value();
    }

    public NDArray b() {
        return b.value();
    }

    @Override
    public long adapterParameterCount() {
        return geometry.parameterCount();
    }
}
