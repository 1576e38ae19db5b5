package dev.dcft.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLinear;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Weight;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code y = x W0^T + b + s (x A^T) B^T} with PEFT's names and initialisation: {@code lora_A}
 * {@code [r, in]} Kaiming-uniform (a = sqrt 5, i.e. U(-1/sqrt(in), 1/sqrt(in))), {@code lora_B}
 * {@code [out, r]} zero.
 */
public final class LoraLinear extends AdapterLinear {
    private final Weight a;
    private final Weight b;
    private final double scale;
    private final float dropout;
    private final int rank;

    public LoraLinear(NDManager manager, Linear base, LoraConfig config, SplittableRandom rng) {
        super(base);
        this.rank = config.rank();
        this.scale = config.scale();
        this.dropout = (float) config.dropout();
        int in = base.inFeatures();
        float bound = (float) (1 / Math.sqrt(in));
        float[] av = new float[rank * in];
        for (int i = 0; i < av.length; i++) {
            av[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        this.a = addChild("lora_A", new Weight(manager.create(av, new Shape(rank, in))));
        this.b = addChild("lora_B", new Weight(manager.zeros(new Shape(base.outFeatures(), rank))));
    }

    @Override
    protected NDArray increment(NDArray x) {
        NDArray h = Activations.dropout(x, dropout, isTraining());
        NDArray u = ai.djl.nn.core.Linear.linear(h, a.value()).singletonOrThrow();
        // u (s B)^T with (s B)^T made contiguous [r, out]: PyTorch then computes B's gradient as
        // u^T g ([r, N] x [N, out]), which MKL runs several times faster than g^T u for r > 1.
        NDArray scaledBt = Scalars.mulIn(x.getManager(), b.value(), scale).transpose().flatten().reshape(rank, base.outFeatures());
        return u.matMul(scaledBt);
    }

    /** {@code s * B A}, {@code [out, in]}. */
    @Override
    public NDArray scaledDelta(NDManager scope) {
        NDArray bv = b.value().duplicate();
        bv.attach(scope);
        return bv.matMul(a.value()).mul((float) scale);
    }

    @Override
    public Map<String, Weight> adapterWeights() {
        Map<String, Weight> m = new LinkedHashMap<>();
        m.put("lora_A", a);
        m.put("lora_B", b);
        return m;
    }

    @Override
    public long adapterParameterCount() {
        return (long) rank * (base.inFeatures() + base.outFeatures());
    }
}
