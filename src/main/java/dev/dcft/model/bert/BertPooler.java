package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;

/** tanh(dense(first token)), as BERT's pre-training defined it. */
public final class BertPooler extends Module {
    BertPooler(NDManager m, BertConfig c) {
        addChild("dense", new Linear(m, c.hiddenSize, c.hiddenSize, true));
    }

    public NDArray forward(NDArray lastHidden) {
        NDArray first = lastHidden.get(new NDIndex(":, 0, :"));
        return ((LinearLayer) child("dense")).forward(first).tanh();
    }
}
