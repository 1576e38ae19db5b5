package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Module;

/** One transformer block: attention, intermediate, output. */
public final class BertLayer extends Module {
    private final BertAttention attention;
    private final BertIntermediate intermediate;
    private final BertResidualOutput output;

    BertLayer(NDManager m, BertConfig c) {
        attention = addChild("attention", new BertAttention(m, c));
        intermediate = addChild("intermediate", new BertIntermediate(m, c));
        output = addChild("output", new BertResidualOutput(m, c, c.intermediateSize));
    }

    public NDArray forward(NDArray h, NDArray additiveMask) {
        NDArray a = attention.forward(h, additiveMask);
        return output.forward(intermediate.forward(a), a);
    }
}
