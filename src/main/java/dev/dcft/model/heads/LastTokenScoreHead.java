package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.nn.Inits;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;

/**
 * Sequence classification or regression on a decoder, as Hugging Face's LlamaForSequenceClassification: {@code score}, a
 * linear map without bias, on the final hidden state of each row's last real token (the only one that has read the whole
 * text under the causal mask). No dropout, as those classes have none. Initialised N(0, 0.02^2), their
 * {@code initializer_range}.
 */
public final class LastTokenScoreHead extends Module implements TaskHead {
    private final Linear score;

    public LastTokenScoreHead(NDManager manager, int hidden, int numLabels, long seed) {
        this.score = addChild("score", new Linear(manager, hidden, numLabels, false));
        Inits.normal(score, manager, 0.02, seed);
    }

    /** {@code [B, labels]}: the score of the state at each row's last token whose mask is 1 (right padding). */
    @Override
    public NDArray forward(Encoder encoder, NDArray lastHidden, NDArray mask) {
        long t = lastHidden.getShape().get(1);
        // last = (number of real tokens) - 1; a one-hot row picks it, exactly, with a gradient only there.
        NDArray last = mask.sum(new int[] {1}).toType(ai.djl.ndarray.types.DataType.INT64, false).sub(1);
        NDArray pick = last.oneHot((int) t).toType(lastHidden.getDataType(), false).expandDims(2); // [B, T, 1]
        NDArray state = lastHidden.mul(pick).sum(new int[] {1}); // [B, H]
        return score.forward(state);
    }

    @Override
    public java.util.List<String> moduleNames() {
        return java.util.List.of("score");
    }
}
