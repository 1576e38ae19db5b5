package dev.dcft.adapters.dora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Scope;
import dev.dcft.model.nn.Weight;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code y = g (x W0^T + s (x A^T) B^T) + b} with {@code g = m / ||W0 + s B A||} per output row, the
 * norm treated as a constant ({@link DoraNorm}: never built from {@code W0 + s B A}). Tensors as PEFT
 * names them: {@code lora_A} {@code [r, in]} (LoRA's Kaiming-uniform init), {@code lora_B} {@code [out, r]}
 * (zero), {@code lora_magnitude_vector} {@code [out]} (the base's row norms, so the layer starts as the
 * base). With dropout while training, PEFT's form: {@code x W0^T + b + (g - 1) h W0^T + g s (h A^T) B^T},
 * {@code h} the dropped-out input.
 */
public final class DoraLinear extends Module implements AdapterLayer {
    /** Below this |g| the bias is added after the scaling instead of divided into the fused product. */
    private static final float MIN_FUSED_SCALE = 0.25f;
    private final Linear base;
    private final Weight a;
    private final Weight b;
    private final Weight m;
    private final int rank;
    private final double scale;
    private final float dropout;
    private NDArray normedWeight;
    private NDArray baseSquared;
    private NDArray original;

    DoraLinear(NDManager manager, Linear base, int rank, double scale, double dropout, SplittableRandom rng) {
        this.base = addChild("base_layer", base);
        this.rank = rank;
        this.scale = scale;
        this.dropout = (float) dropout;
        this.a = addChild("lora_A", new Weight(dev.dcft.adapters.lora.LoraLinear.initialA(manager, rank, base.inFeatures(), rng)));
        this.b = addChild("lora_B", new Weight(manager.zeros(new Shape(base.outFeatures(), rank))));
        // B = 0: the magnitude starts as the base's own row norms.
        this.m = addChild(DoraMethod.MAGNITUDE, new Weight(baseRowNormsSquared().sqrt()));
    }

    /** {@code ||w_o||^2} of the base weight, kept while the base weight is the same tensor. */
    private NDArray baseRowNormsSquared() {
        NDArray w = base.weight().value();
        if (normedWeight != w) {
            if (baseSquared != null) {
                baseSquared.close();
            }
            baseSquared = DoraNorm.baseRowNormsSquared(w);
            baseSquared.attach(w.getManager());
            normedWeight = w;
        }
        return baseSquared;
    }

    /** {@code g = m / ||W0 + s B A||}, {@code [out]}, in {@code scope}; gradients reach m only. */
    NDArray magnitudeScale(NDManager scope) {
        NDArray norm = DoraNorm.rowNorms(scope, base.weight().value(), baseRowNormsSquared(), a.value(), b.value(), scale);
        return Scope.adopt(scope, m.value().div(norm));
    }

    @Override
    public NDArray forward(NDArray x) {
        if (original != null) {
            return base.forward(x);
        }
        int in = inFeatures();
        int out = outFeatures();
        return Linear.onRows(x, in, out, rows -> {
            NDManager scope = rows.getManager();
            NDArray g = magnitudeScale(scope);
            NDArray w0 = base.weight().value();
            NDArray bias = base.bias() == null ? null : base.bias().value();
            boolean dropping = dropout > 0 && isTraining();
            NDArray h = dropping ? Activations.dropout(rows, dropout, true) : rows;
            NDArray u = ai.djl.nn.core.Linear.linear(h, a.value()).singletonOrThrow();
            // As LoRA: u (s B)^T with (s B)^T contiguous [r, out], the layout whose backward MKL runs fastest.
            NDArray scaledBt = Scalars.mulIn(scope, b.value(), scale).transpose().flatten().reshape(rank, out);
            NDArray low = u.matMul(scaledBt);
            if (!dropping) {
                if (bias != null && !Bf16.isBf16(w0) && g.abs().min().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).getFloat() > MIN_FUSED_SCALE) {
                    // g (x W0^T + b / g + low) = g (x W0^T + low) + b with the bias inside the fused product: one pass less
                    // over [N, out]. Only where every g is well away from 0, so that b / g loses nothing (g starts at 1).
                    return Linear.apply(rows, w0, Scope.adopt(scope, bias.div(g))).addi(low).mul(g);
                }
                NDArray z = Linear.apply(rows, w0, null).addi(low);
                NDArray y = z.mul(g);
                return bias == null ? y : y.addi(bias);
            }
            NDArray t = Linear.apply(h, w0, null);
            return base.forward(rows).addi(t.add(low).mul(g)).subi(t);
        });
    }

    /**
     * {@code W0 <- g (W0 + s B A)}, computed in float32 with the norm of the matrix itself; the
     * original weight is kept, so unmerging restores it exactly (bf16 bases included).
     */
    @Override
    public void merge() {
        if (original != null) {
            return;
        }
        NDArray w = base.weight().value();
        try (NDManager tmp = w.getManager().newSubManager()) {
            NDArray w32 = Bf16.isBf16(w) ? Scope.adopt(tmp, Bf16.toFp32(w)) : w;
            NDArray bv = b.value().duplicate();
            bv.attach(tmp);
            NDArray full = w32.add(Scalars.mul(bv.matMul(a.value()), scale));
            NDArray norm = full.square().sum(new int[] {1}).sqrt();
            NDArray merged = full.mul(m.value().div(norm).expandDims(1));
            NDArray stored = Bf16.isBf16(w) ? Bf16.toBf16(merged) : merged;
            stored.attach(w.getManager());
            original = base.weight().swap(stored);
        }
    }

    @Override
    public void unmerge() {
        if (original != null) {
            base.weight().set(original);
            original = null;
        }
    }

    @Override
    public boolean isMerged() {
        return original != null;
    }

    @Override
    public Linear baseLayer() {
        return base;
    }

    @Override
    public Map<String, Weight> adapterWeights() {
        Map<String, Weight> w = new LinkedHashMap<>();
        w.put("lora_A", a);
        w.put("lora_B", b);
        w.put(DoraMethod.MAGNITUDE, m);
        return w;
    }

    @Override
    public String fileKey(String name) {
        return name.equals(DoraMethod.MAGNITUDE) ? name : name + ".weight";
    }

    @Override
    public long adapterParameterCount() {
        return (long) rank * (inFeatures() + outFeatures()) + outFeatures();
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }
}
