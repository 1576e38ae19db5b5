package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;

/**
 * A BERT-family encoder as Hugging Face's BertModel names it: {@code embeddings}, {@code encoder},
 * and {@code pooler} when the checkpoint has one. Parameters live in the manager given here.
 */
public final class BertModel extends Encoder {
    /** torch.finfo(float32).min, which is what Hugging Face adds for masked keys. */
    private static final float MASKED = -3.4028234663852886e38f;

    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final BertEncoder encoder;
    private final BertPooler pooler;

    public BertModel(NDManager manager, BertConfig config, boolean withPooler) {
        this.config = config;
        embeddings = addChild("embeddings", new BertEmbeddings(manager, config));
        encoder = addChild("encoder", new BertEncoder(manager, config));
        pooler = withPooler ? addChild("pooler", new BertPooler(manager, config)) : null;
    }

    @Override
    public BertConfig config() {
        return config;
    }

    @Override
    public boolean hasPooler() {
        return pooler != null;
    }

    @Override
    public NDArray embed(EncoderInput in) {
        return embeddings.forward(in);
    }

    @Override
    public NDArray encode(NDArray h, EncoderInput in) {
        NDArray additiveMask = in.mask().neg().add(1).mul(MASKED).expandDims(1).expandDims(1);
        return encoder.forward(h, additiveMask);
    }

    @Override
    public NDArray pool(NDArray lastHidden) {
        if (pooler == null) {
            throw new IllegalStateException("this model has no pooler");
        }
        return pooler.forward(lastHidden);
    }

    @Override
    public NDArray wordEmbeddings() {
        return embeddings.wordEmbeddings();
    }
}
