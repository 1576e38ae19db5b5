package dev.dcft.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLinear;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Weight;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code y = x W0^T + b + s ((x A^T) B^T + c)} with PEFT's names and initialisation: {@code lora_A}
 * {@code [r, in]} Kaiming-uniform (a = sqrt 5, i.e. U(-1/sqrt(in), 1/sqrt(in))), {@code lora_B}
 * {@code [out, r]} zero, and with PEFT's {@code lora_bias} a bias {@code c} on {@code lora_B}
 * (zero). Rank and scale are the module's own (rank_pattern, alpha_pattern, rsLoRA).
 */
public final class LoraLinear extends AdapterLinear {
    private final Weight a;
    private final Weight b;
    private final double scale;
    private final float dropout;
    private final int rank;

    public LoraLinear(NDManager manager, Linear base, LoraConfig config, SplittableRandom rng) {
        this(manager, base, config.rank(), config.scale(), config.dropout(), false, rng);
    }

    /** The layer at {@code path}, with its own rank and scale from {@code config}. */
    public LoraLinear(NDManager manager, String path, Linear base, LoraConfig config, SplittableRandom rng) {
        this(manager, base, config.rankFor(path), config.scaleFor(path), config.dropout(), config.loraBias(), rng);
    }

    private LoraLinear(NDManager manager, Linear base, int rank, double scale, double dropout, boolean loraBias, SplittableRandom rng) {
        super(base);
        this.rank = rank;
        this.scale = scale;
        this.dropout = (float) dropout;
        this.a = addChild("lora_A", new Weight(initialA(manager, rank, base.inFeatures(), rng)));
        this.b = addChild("lora_B", new Weight(manager.zeros(new Shape(base.outFeatures(), rank)),
                loraBias ? manager.zeros(new Shape(base.outFeatures())) : null));
    }

    /** PEFT's {@code lora_A} initialisation, Kaiming-uniform with a = sqrt 5: U(-1/sqrt(in), 1/sqrt(in)), {@code [r, in]}. */
    public static NDArray initialA(NDManager manager, int rank, int in, SplittableRandom rng) {
        float bound = (float) (1 / Math.sqrt(in));
        float[] av = new float[rank * in];
        for (int i = 0; i < av.length; i++) {
            av[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(av, new Shape(rank, in));
    }

    @Override
    protected NDArray increment(NDArray x) {
        NDArray h = Activations.dropout(x, dropout, isTraining());
        NDArray u = ai.djl.nn.core.Linear.linear(h, a.value()).singletonOrThrow();
        // u (s B)^T with (s B)^T made contiguous [r, out]: PyTorch then computes B's gradient as
        // u^T g ([r, N] x [N, out]), which MKL runs several times faster than g^T u for r > 1.
        NDArray scaledBt = Scalars.mulIn(x.getManager(), b.value(), scale).transpose().flatten().reshape(rank, base.outFeatures());
        NDArray y = u.matMul(scaledBt);
        Parameter c = b.biasParameter();
        return c == null ? y : y.addi(Scalars.mulIn(x.getManager(), c.value(), scale));
    }

    @Override
    protected NDArray incrementBf16(NDArray x, NDArray xBf16) {
        NDManager scope = x.getManager();
        NDArray h = dropout > 0 && isTraining() ? Bf16.toBf16(Activations.dropout(x, dropout, true)) : xBf16;
        NDArray u = ai.djl.nn.core.Linear.linear(h, Bf16.toBf16(a.value())).singletonOrThrow();
        NDArray scaledBt = Scalars.mulIn(scope, b.value(), scale).transpose().flatten().reshape(rank, base.outFeatures());
        NDArray y = u.matMul(Bf16.toBf16(scaledBt));
        Parameter c = b.biasParameter();
        return c == null ? y : y.addi(Bf16.toBf16(Scalars.mulIn(scope, c.value(), scale)));
    }

    /** {@code s * c}, what lora_B's bias adds to the base bias on merge (PEFT's merge with lora_bias). */
    @Override
    public NDArray scaledBiasDelta(NDManager scope) {
        Parameter c = b.biasParameter();
        if (c == null) {
            return null;
        }
        NDArray v = c.value().duplicate();
        v.attach(scope);
        return v.mul((float) scale);
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
        return (long) rank * (base.inFeatures() + base.outFeatures()) + (b.biasParameter() == null ? 0 : base.outFeatures());
    }
}
