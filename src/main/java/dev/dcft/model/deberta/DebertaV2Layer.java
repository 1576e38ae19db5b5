package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.bert.BertIntermediate;
import dev.dcft.model.bert.BertResidualOutput;
import dev.dcft.model.nn.Module;

/**
 * One block: {@code attention.self} (disentangled), {@code attention.output}, {@code intermediate},
 * {@code output}; the last three are BERT's, as in Hugging Face's definition.
 */
final class DebertaV2Layer extends Module {
    private final Attention attention;
    private final BertIntermediate intermediate;
    private final BertResidualOutput output;

    DebertaV2Layer(NDManager m, DebertaV2Config c) {
        attention = addChild("attention", new Attention(m, c));
        intermediate = addChild("intermediate", new BertIntermediate(m, c));
        output = addChild("output", new BertResidualOutput(m, c, c.intermediateSize));
    }

    NDArray forward(NDArray h, NDArray keyMask, NDArray queryMask, NDArray rel, RelativeIndex index) {
        NDArray a = attention.forward(h, keyMask, queryMask, rel, index);
        return output.forward(intermediate.forward(a), a);
    }

    static final class Attention extends Module {
        private final DisentangledSelfAttention self;
        private final BertResidualOutput output;

        Attention(NDManager m, DebertaV2Config c) {
            self = addChild("self", new DisentangledSelfAttention(m, c));
            output = addChild("output", new BertResidualOutput(m, c, c.hiddenSize));
        }

        NDArray forward(NDArray h, NDArray keyMask, NDArray queryMask, NDArray rel, RelativeIndex index) {
            return output.forward(self.forward(h, keyMask, queryMask, rel, index), h);
        }
    }
}
