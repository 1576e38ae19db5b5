package dev.dcft.adapters.vera;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLinear;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Scope;
import dev.dcft.model.nn.Weight;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code y = x W0^T + b + ((h A_s^T) * d) (b_vec * B_s)^T} with {@code A_s = vera_A[:, :in]},
 * {@code B_s = vera_B[:out, :]} (frozen, shared by every layer), {@code d = vera_lambda_d} (r, starts at
 * {@code d_initial}) and {@code b_vec = vera_lambda_b} (out, starts at 0), {@code h} the dropped-out
 * input: PEFT's {@code lambda_b * B_s(lambda_d * A_s(h))} with the vectors applied to the small
 * factors, so no extra pass over the {@code [N, out]} output.
 */
final class VeraLinear extends AdapterLinear {
    private final Weight lambdaB;
    private final Weight lambdaD;
    private final VeraConfig.Projections shared;
    private final int rank;
    private final float dropout;

    VeraLinear(NDManager manager, Linear base, int rank, double dInitial, double dropout, VeraConfig.Projections shared) {
        super(base);
        this.rank = rank;
        this.dropout = (float) dropout;
        this.shared = shared;
        this.lambdaB = addChild(VeraMethod.LAMBDA_B, new Weight(manager.zeros(new Shape(base.outFeatures()))));
        this.lambdaD = addChild(VeraMethod.LAMBDA_D, new Weight(manager.full(new Shape(rank), (float) dInitial)));
    }

    // Every temporary is made in (or moved to) the caller's scope: a view of a model tensor would otherwise stay in the model's manager.
    private NDArray slicedA(NDManager scope) {
        return Scope.adopt(scope, shared.a().value().get(new NDIndex(":, :{}", inFeatures())));
    }

    private NDArray slicedB(NDManager scope) {
        return Scope.adopt(scope, shared.b().value().get(new NDIndex(":{}, :", outFeatures())));
    }

    private static NDArray column(NDManager scope, Weight w) {
        return Scope.adopt(scope, w.value().expandDims(1));
    }

    @Override
    protected NDArray increment(NDArray x) {
        NDManager scope = x.getManager();
        NDArray h = Activations.dropout(x, dropout, isTraining());
        NDArray u = ai.djl.nn.core.Linear.linear(h, slicedA(scope)).singletonOrThrow().mul(lambdaD.value()); // [N, r]
        NDArray bt = slicedB(scope).mul(column(scope, lambdaB)).transpose(); // [r, out]
        return u.matMul(bt);
    }

    /** {@code diag(b) B_s diag(d) A_s}, {@code [out, in]}. */
    @Override
    public NDArray scaledDelta(NDManager scope) {
        NDArray bs = slicedB(scope).mul(column(scope, lambdaB));
        NDArray as = slicedA(scope).mul(column(scope, lambdaD));
        return bs.matMul(as);
    }

    @Override
    public Map<String, Weight> adapterWeights() {
        Map<String, Weight> w = new LinkedHashMap<>();
        w.put(VeraMethod.LAMBDA_B, lambdaB);
        w.put(VeraMethod.LAMBDA_D, lambdaD);
        return w;
    }

    @Override
    public Map<String, Weight> sharedWeights() {
        Map<String, Weight> w = new LinkedHashMap<>();
        w.put(VeraMethod.A, shared.a());
        w.put(VeraMethod.B, shared.b());
        return w;
    }

    @Override
    public String fileKey(String name) {
        return name;
    }

    @Override
    public long adapterParameterCount() {
        return (long) outFeatures() + rank;
    }
}
