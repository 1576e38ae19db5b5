package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;

/**
 * dense, dropout, residual add, LayerNorm: Hugging Face's BertSelfOutput
 * ({@code attention.output}) and BertOutput ({@code output}), which differ only in input size.
 */
public final class BertResidualOutput extends Module {
    private final LayerNorm norm;
    private final float dropout;

    public BertResidualOutput(NDManager m, EncoderConfig c, int inFeatures) {
        addChild("dense", new Linear(m, inFeatures, c.hiddenSize, true));
        norm = addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps));
        dropout = c.hiddenDropout;
    }

    public NDArray forward(NDArray x, NDArray residual) {
        NDArray projected = Activations.dropout(((LinearLayer) child("dense")).forward(x), dropout, isTraining());
        return norm.forward(projected.add(residual));
    }
}
