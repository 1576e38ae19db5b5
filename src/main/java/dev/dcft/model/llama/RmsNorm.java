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
        return x.mul(Scalars.add(variance, eps).sqrt().pow(-1)).mul(weight.value());
    }
}
