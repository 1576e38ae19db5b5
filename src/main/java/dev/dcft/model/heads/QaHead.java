package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Extractive question answering as Hugging Face's *ForQuestionAnswering: {@code qa_outputs},
 * Linear(hidden, 2) on every token's last hidden state, giving its start and end logits.
 */
public final class QaHead extends Module implements TaskHead {
    private final Linear qaOutputs;

    public QaHead(NDManager manager, int hidden, long seed) {
        qaOutputs = addChild("qa_outputs", new Linear(manager, hidden, 2, true));
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[hidden * 2];
        for (int i = 0; i < w.length; i++) {
            double u = rng.nextDouble();
            double v = rng.nextDouble();
            w[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        qaOutputs.weight().set(manager.create(w, qaOutputs.weight().value().getShape()));
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
