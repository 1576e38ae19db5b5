package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Scalars;

/** {@code x / sqrt(mean(x^2) + eps) * weight} over the last dimension (Hugging Face's LlamaRMSNorm). */
final class RmsNorm extends Module {
    private final Parameter weight;
    private final double eps;

    RmsNorm(NDManager manager, int dim, double eps) {
        this.weight = addParameter("weight", manager.ones(new Shape(dim)));
        this.eps = eps;
    }

    NDArray forward(NDArray x) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        // Scalars.pow, not pow(-1): DJL's number overload frees its scalar before autograd's backward reads it (see Scalars).
        return x.mul(Scalars.pow(Scalars.add(variance, eps).sqrt(), -1)).mul(weight.value());
    }
}
