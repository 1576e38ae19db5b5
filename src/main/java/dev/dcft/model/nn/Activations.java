package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
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
            default -> throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct
                    + "' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)");
        };
    }

    static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.mul(x.add(Scalars.mul(x.mul(x).mul(x), 0.044715)), SQRT_2_OVER_PI).tanh();
        return Scalars.mul(x, 0.5).mul(Scalars.add(inner, 1));
    }

    public static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }
}
