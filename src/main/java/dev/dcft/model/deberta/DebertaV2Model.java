package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.nn.Inits;
import dev.dcft.model.nn.Linear;

/**
 * DeBERTa-v2/v3 with exactly the mathematics of Hugging Face's DebertaV2Model, named as it names
 * its modules ({@code embeddings}, {@code encoder.layer.N.attention.self.query_proj}, ...), plus
 * the ContextPooler of its sequence-classification model as {@code pooler} when there is one.
 */
public final class DebertaV2Model extends Encoder {
    /** torch.finfo(float32).min: what Hugging Face fills masked scores with. */
    private static final float MASKED = -3.4028234663852886e38f;

    private final DebertaV2Config config;
    private final DebertaV2Embeddings embeddings;
    private final DebertaV2Encoder encoder;
    private ContextPooler pooler;

    public DebertaV2Model(NDManager manager, DebertaV2Config config, boolean withPooler) {
        this.config = config;
        embeddings = addChild("embeddings", new DebertaV2Embeddings(manager, config));
        encoder = addChild("encoder", new DebertaV2Encoder(manager, config));
        pooler = withPooler ? addChild("pooler", new ContextPooler(manager, config)) : null;
    }

    @Override
    public DebertaV2Config config() {
        return config;
    }

    @Override
    public NDArray embed(EncoderInput in) {
        return embeddings.forward(in);
    }

    @Override
    public NDArray encode(NDArray h, EncoderInput in) {
        return encoder.forward(h, in.mask(), MASKED);
    }

    @Override
    public NDArray wordEmbeddings() {
        return embeddings.wordEmbeddings();
    }

    @Override
    public boolean hasPooler() {
        return pooler != null;
    }

    @Override
    public NDArray pool(NDArray lastHidden) {
        if (pooler == null) {
            throw new IllegalStateException("this model has no pooler");
        }
        return pooler.forward(lastHidden);
    }

    @Override
    public boolean poolerActivatesWithTanh() {
        return "tanh".equalsIgnoreCase(config.poolerHiddenAct);
    }

    @Override
    public java.util.function.UnaryOperator<NDArray> poolerActivation() {
        return dev.dcft.model.nn.Activations.byName(config.poolerHiddenAct);
    }

    /** A checkpoint without {@code pooler.dense} gets one drawn from N(0, initializer_range^2), bias 0, as Hugging Face does. */
    @Override
    public void ensureClassificationPooler(NDManager manager, long seed) {
        if (pooler != null) {
            return;
        }
        pooler = addChild("pooler", new ContextPooler(manager, config));
        pooler.setTraining(isTraining());
        Inits.normal((Linear) pooler.child("dense"), manager, config.initializerRange, seed);
    }
}
