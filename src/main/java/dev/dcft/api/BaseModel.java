package dev.dcft.api;

import dev.dcft.model.LoadedModel;
import dev.dcft.model.SentenceEmbedder;
import java.util.List;

/**
 * A loaded base encoder. {@link #embed} is safe to call from many threads at once. Close it to free
 * its native memory.
 */
public final class BaseModel implements AutoCloseable {
    private final LoadedModel model;

    BaseModel(LoadedModel model) {
        this.model = model;
    }

    /** Sentence embeddings: the mean of the last hidden states over real tokens, L2-normalised. */
    public float[][] embed(List<String> texts) {
        return new SentenceEmbedder(model, 32).embed(texts);
    }

    /** The {@code model_type} of its config.json (bert, deberta-v2, ...). */
    public String modelType() {
        return model.model().config().modelType;
    }

    public int hiddenSize() {
        return model.model().config().hiddenSize;
    }

    /** The underlying model, for code that goes below this API. */
    public LoadedModel loaded() {
        return model;
    }

    @Override
    public void close() {
        model.close();
    }
}
