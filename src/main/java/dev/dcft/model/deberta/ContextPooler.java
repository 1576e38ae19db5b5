package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;
import java.util.function.UnaryOperator;

/** DeBERTa's sequence-classification pooler: the first token, dropout, {@code dense}, {@code pooler_hidden_act}. */
final class ContextPooler extends Module {
    private final UnaryOperator<NDArray> act;
    private final float dropout;

    ContextPooler(NDManager m, DebertaV2Config c) {
        addChild("dense", new Linear(m, c.hiddenSize, c.hiddenSize, true));
        act = Activations.byName(c.poolerHiddenAct);
        dropout = c.poolerDropout;
    }

    NDArray forward(NDArray lastHidden) {
        NDArray first = Activations.dropout(lastHidden.get(new NDIndex(":, 0, :")), dropout, isTraining());
        return act.apply(((LinearLayer) child("dense")).forward(first));
    }
}
