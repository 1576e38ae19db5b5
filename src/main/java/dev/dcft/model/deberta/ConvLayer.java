package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Parameter;
import java.util.function.UnaryOperator;

/**
 * The n-gram convolution of DeBERTa-v2 (deberta-v2-xlarge and up): run once, after layer 0, over
 * the embedding output; padded positions zeroed before the activation; LayerNorm of layer 0's
 * output plus it; zeroed at padding again. Children {@code conv} and {@code LayerNorm}.
 */
final class ConvLayer extends Module {
    private final Conv conv;
    private final LayerNorm norm;
    private final UnaryOperator<NDArray> act;
    private final float dropout;
    private final int groups;
    private final int padding;

    ConvLayer(NDManager m, DebertaV2Config c) {
        conv = addChild("conv", new Conv(m, c.hiddenSize, c.hiddenSize / c.convGroups, c.convKernelSize));
        norm = addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps));
        act = Activations.byName(c.convAct);
        dropout = c.hiddenDropout;
        groups = c.convGroups;
        padding = (c.convKernelSize - 1) / 2;
    }

    /** {@code embedded} the encoder's input, {@code residual} layer 0's output, {@code mask} {@code [B, T, 1]}. */
    NDArray forward(NDArray embedded, NDArray residual, NDArray mask) {
        NDArray x = embedded.transpose(0, 2, 1);
        NDArray out = Conv1d.conv1d(x, conv.weight.value(), conv.bias.value(), new Shape(1), new Shape(padding), new Shape(1), groups)
                .singletonOrThrow().transpose(0, 2, 1);
        out = act.apply(Activations.dropout(out.mul(mask), dropout, isTraining()));
        return norm.forward(residual.add(out)).mul(mask);
    }

    /** A Conv1d's parameters, as PyTorch names them: weight {@code [out, in / groups, kernel]}, bias. */
    static final class Conv extends Module {
        private final Parameter weight;
        private final Parameter bias;

        Conv(NDManager m, int channels, int inPerGroup, int kernel) {
            weight = addParameter("weight", m.zeros(new Shape(channels, inPerGroup, kernel)));
            bias = addParameter("bias", m.zeros(new Shape(channels)));
        }
    }
}
