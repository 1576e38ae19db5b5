package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Bf16;
import dev.dcft.engine.DropoutMasks;
import java.util.Locale;
import java.util.function.UnaryOperator;

/** The activations named by Hugging Face's {@code hidden_act}, and dropout. */
public final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private Activations() {
    }

    public static UnaryOperator<NDArray> byName(String hiddenAct) {
        return switch (hiddenAct.toLowerCase(Locale.ROOT)) {
            // PyTorch's gelu is the exact erf form, which is what HF's "gelu" means.
            case "gelu" -> ai.djl.nn.Activation::gelu;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activations::geluTanh;
            case "relu" -> ai.djl.nn.Activation::relu;
            case "tanh" -> NDArray::tanh;
            case "silu", "swish" -> x -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            default -> throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct
                    + "' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu, tanh, silu)");
        };
    }

    static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.mul(x.add(Scalars.mul(x.mul(x).mul(x), 0.044715)), SQRT_2_OVER_PI).tanh();
        return Scalars.mul(x, 0.5).mul(Scalars.add(inner, 1));
    }

    /**
     * Inverted dropout: an element is kept with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}.
     * The mask comes from the counter-based {@link DropoutMasks} (seeded with the engine, reproducible on resume)
     * rather than PyTorch's {@code dropout}, whose CPU {@code bernoulli_} and {@code uniform_} draws cost a sixth of a
     * long-sequence training step (BENCHMARKS.md, "Dropout masks").
     */
    public static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0) {
            return x;
        }
        if (rate >= 1) {
            throw new IllegalArgumentException("dropout rate must be below 1, got " + rate);
        }
        NDManager scope = x.getManager();
        NDArray mask = DropoutMasks.next(scope, x.getShape(), rate);
        if (mask == null) {
            // Beyond one Java buffer (2^29 elements): the engine's draw, same distribution.
            NDArray scale = scope.full(new Shape(), (float) (1.0 / (1 - rate)), DataType.FLOAT32);
            try (NDArray draw = scope.randomUniform(0f, 1f, x.getShape(), DataType.FLOAT32);
                    NDArray kept = draw.gte(rate)) {
                mask = scale.mul(kept);
            }
        }
        if (Bf16.isBf16(x)) {
            mask = Bf16.toBf16(mask);
        } else if (x.getDataType() != DataType.FLOAT32) {
            mask = mask.toType(x.getDataType(), false);
        }
        // Autograd keeps the mask (by reference) for the backward product; nothing else of the draw outlives this call.
        return x.mul(mask);
    }
}
