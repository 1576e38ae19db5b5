package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import java.util.function.UnaryOperator;

/** The FFN's up projection and activation: child {@code dense}. */
public final class BertIntermediate extends Module {
    private final UnaryOperator<NDArray> activation;

    public BertIntermediate(NDManager m, EncoderConfig c) {
        addChild("dense", new Linear(m, c.hiddenSize, c.intermediateSize, true));
        activation = Activations.byName(c.hiddenAct);
    }

    public NDArray forward(NDArray h) {
        return activation.apply(((LinearLayer) child("dense")).forward(h));
    }
}
