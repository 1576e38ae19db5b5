package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Module;

/** Children {@code self} (the heads) and {@code output} (projection, residual, LayerNorm). */
public final class BertAttention extends Module {
    private final BertSelfAttention self;
    private final BertResidualOutput output;

    BertAttention(NDManager m, BertConfig c) {
        self = addChild("self", new BertSelfAttention(m, c));
        output = addChild("output", new BertResidualOutput(m, c, c.hiddenSize));
    }

    public NDArray forward(NDArray h, NDArray additiveMask) {
        return output.forward(self.forward(h, additiveMask), h);
    }
}
