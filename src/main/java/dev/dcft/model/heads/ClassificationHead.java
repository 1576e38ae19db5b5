package dev.dcft.model.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Inits;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;

/**
 * Sequence classification or regression on top of an encoder, as Hugging Face's
 * BertForSequenceClassification: the pooled representation, dropout, then {@code classifier}.
 * Pooling is the encoder's pooler (tanh(dense(CLS))) when it has one, else the mean over real
 * tokens (sentence-transformers models such as all-MiniLM-L6-v2 were trained for that).
 */
public final class ClassificationHead extends Module implements TaskHead {
    private final Linear classifier;
    private final float dropout;
    private final int numLabels;

    public ClassificationHead(NDManager manager, int hidden, int numLabels, float dropout, long seed) {
        this.numLabels = numLabels;
        this.dropout = dropout;
        this.classifier = addChild("classifier", new Linear(manager, hidden, numLabels, true));
        Inits.normal(classifier, manager, 0.02, seed);
    }

    /** Logits (or the regression output) {@code [B, numLabels]} from the last hidden states. */
    @Override
    public NDArray forward(Encoder encoder, NDArray lastHidden, NDArray mask) {
        NDArray pooled = encoder.hasPooler() ? encoder.pool(lastHidden) : Encoder.meanPool(lastHidden, mask);
        return classifier.forward(Activations.dropout(pooled, dropout, isTraining()));
    }

    @Override
    public java.util.List<String> moduleNames() {
        return java.util.List.of("classifier");
    }

    public int numLabels() {
        return numLabels;
    }
}
