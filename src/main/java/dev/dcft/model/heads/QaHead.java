package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.nn.Inits;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import java.util.List;

/**
 * Extractive question answering as Hugging Face's *ForQuestionAnswering: {@code qa_outputs},
 * Linear(hidden, 2) on every token's last hidden state, giving its start and end logits.
 */
public final class QaHead extends Module implements TaskHead {
    private final Linear qaOutputs;

    public QaHead(NDManager manager, int hidden, long seed) {
        qaOutputs = addChild("qa_outputs", new Linear(manager, hidden, 2, true));
        Inits.normal(qaOutputs, manager, 0.02, seed);
    }

    @Override
    public NDArray forward(Encoder encoder, NDArray lastHidden, NDArray mask) {
        return qaOutputs.forward(lastHidden);
    }

    @Override
    public List<String> moduleNames() {
        return List.of("qa_outputs");
    }
}
