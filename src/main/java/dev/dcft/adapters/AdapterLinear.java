package dev.dcft.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Scope;

/**
 * What every adapter layer shares: the frozen {@code base_layer}, and merging by adding its
 * {@link #scaledDelta} ({@code [out, in]}) to the base weight and subtracting it back.
 */
public abstract class AdapterLinear extends Module implements AdapterLayer {
    protected final Linear base;
    private boolean merged;
    private NDArray bf16Original;

    protected AdapterLinear(Linear base) {
        this.base = addChild("base_layer", base);
    }

    /** {@code s * Delta}, {@code [out, in]}, computed in {@code scope}. */
    public abstract NDArray scaledDelta(NDManager scope);

    /** What merging adds to the base bias ({@code [out]}, in {@code scope}), or null: most adapters leave it. */
    public NDArray scaledBiasDelta(NDManager scope) {
        return null;
    }

    /** The adapter's contribution {@code x (s Delta)^T}, {@code [N, out]}, for a 2-D input {@code [N, in]}. */
    protected abstract NDArray increment(NDArray x);

    /**
     * The same contribution computed in bfloat16, for a base stored in bf16: {@code xBf16} is {@code x} already rounded
     * (the base's product reads it too), the result a bf16 {@code [N, out]} that is added to the base's bf16 product
     * before the one cast back to float32, as PEFT's layers run under {@code torch.autocast}. Trainable factors stay
     * float32 and are rounded per step (their gradients flow back through the cast). Null (the default): the method
     * computes its increment in float32 and adds it to the base's float32 output.
     */
    protected NDArray incrementBf16(NDArray x, NDArray xBf16) {
        return null;
    }

    @Override
    public final NDArray forward(NDArray x) {
        if (merged) {
            return base.forward(x);
        }
        // One 2-D view of the input feeds both the base layer and the increment, so autograd sums
        // their two input gradients in place; the gradients of two separate views of x would be
        // summed into a freshly allocated [N, in] tensor instead.
        return Linear.onRows(x, inFeatures(), outFeatures(), rows -> {
            if (Bf16.isBf16(base.weight().value())) {
                // One rounding of the input for both products, and the increment's passes over [N, out] in bf16.
                NDArray rowsBf16 = Bf16.toBf16(rows);
                NDArray inc = incrementBf16(rows, rowsBf16);
                if (inc != null) {
                    return Bf16.toFp32(base.forwardRowsBf16(rowsBf16).addi(inc));
                }
            }
            return base.forward(rows).addi(increment(rows));
        });
    }

    @Override
    public void merge() {
        if (!merged) {
            fold(1);
            merged = true;
        }
    }

    @Override
    public void unmerge() {
        if (merged) {
            fold(-1);
            merged = false;
        }
    }

    private void fold(int sign) {
        NDArray w = base.weight().value();
        if (Bf16.isBf16(w) || bf16Original != null) {
            foldBf16(sign > 0);
            return;
        }
        try (NDManager tmp = w.getManager().newSubManager()) {
            NDArray updated = w.add(scaledDelta(tmp).mul(sign));
            updated.attach(w.getManager());
            base.weight().set(updated);
            foldBias(tmp, sign);
        }
    }

    private void foldBias(NDManager tmp, int sign) {
        NDArray delta = scaledBiasDelta(tmp);
        if (delta == null) {
            return;
        }
        if (base.bias() == null) {
            throw new IllegalStateException("lora_bias needs a base bias to merge into, and this layer has none");
        }
        NDArray bias = base.bias().value();
        NDArray updated = bias.add(delta.mul(sign));
        updated.attach(bias.getManager());
        base.bias().set(updated);
    }

    /**
     * A bf16 base merges in float32 ({@code fp32(W) + s Delta}, then rounded once to bf16) and keeps
     * its original bf16 weight to restore on unmerge: subtracting in bf16 would not give it back.
     */
    private void foldBf16(boolean merge) {
        NDArray w = base.weight().value();
        if (merge) {
            try (NDManager tmp = w.getManager().newSubManager()) {
                // Cast results join their input's manager: move each into tmp so nothing is left in the model's.
                NDArray sum = Scope.adopt(tmp, Bf16.toFp32(w)).add(scaledDelta(tmp));
                NDArray updated = Bf16.toBf16(sum);
                updated.attach(w.getManager());
                bf16Original = base.weight().swap(updated);
                foldBias(tmp, 1);
            }
        } else {
            base.weight().set(bf16Original);
            bf16Original = null;
            try (NDManager tmp = w.getManager().newSubManager()) {
                foldBias(tmp, -1);
            }
        }
    }

    @Override
    public boolean isMerged() {
        return merged;
    }

    @Override
    public Linear baseLayer() {
        return base;
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
