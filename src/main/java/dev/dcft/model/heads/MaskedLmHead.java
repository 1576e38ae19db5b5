package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Parameter;
import java.util.function.UnaryOperator;

/**
 * BERT's masked-language-model head as Hugging Face names it ({@code cls.predictions}):
 * {@code transform.dense}, the hidden activation, {@code transform.LayerNorm}, then the decoder,
 * whose weight is the word embedding table (tied, as in every BERT checkpoint) plus {@code bias}.
 * Mounted under the name {@code cls}.
 */
public final class MaskedLmHead extends Module {
    /** The tensor names that mark a checkpoint as carrying this head. */
    public static final String MARKER = "cls.predictions.transform.dense.weight";

    private final Predictions predictions;

    public MaskedLmHead(NDManager manager, EncoderConfig config) {
        predictions = addChild("predictions", new Predictions(manager, config));
    }

    /** Vocabulary logits {@code [N, vocab]} for hidden states {@code [N, H]}. */
    public NDArray logits(Encoder encoder, NDArray hidden) {
        return predictions.forward(encoder, hidden);
    }

    static final class Predictions extends Module {
        private final Parameter bias;
        private final Transform transform;

        Predictions(NDManager m, EncoderConfig c) {
            transform = addChild("transform", new Transform(m, c));
            bias = addParameter("bias", m.zeros(new Shape(c.vocabSize)));
        }

        NDArray forward(Encoder encoder, NDArray hidden) {
            NDArray h = transform.forward(hidden);
            return Linear.apply(h, encoder.wordEmbeddings(), bias.value());
        }
    }

    static final class Transform extends Module {
        private final Linear dense;
        private final LayerNorm norm;
        private final UnaryOperator<NDArray> act;

        Transform(NDManager m, EncoderConfig c) {
            dense = addChild("dense", new Linear(m, c.hiddenSize, c.hiddenSize, true));
            norm = addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps));
            act = Activations.byName(c.hiddenAct);
        }

        NDArray forward(NDArray hidden) {
            return norm.forward(act.apply(dense.forward(hidden)));
        }
    }
}
