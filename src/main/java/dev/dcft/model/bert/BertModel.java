package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Module;

/**
 * A BERT-family encoder as Hugging Face's BertModel names it: {@code embeddings}, {@code encoder},
 * and {@code pooler} when the checkpoint has one. Parameters live in the manager given here.
 */
public final class BertModel extends Module {
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

    public BertConfig config() {
        return config;
    }

    public boolean hasPooler() {
        return pooler != null;
    }

    /** Last hidden states {@code [B, T, H]}. */
    public NDArray forward(EncoderInput in) {
        return encode(embed(in), in);
    }

    /** The embedding layer's output {@code [B, T, H]}. */
    public NDArray embed(EncoderInput in) {
        return embeddings.forward(in);
    }

    /** The layers on top of embedding outputs {@code h}. */
    public NDArray encode(NDArray h, EncoderInput in) {
        NDArray additiveMask = in.mask().neg().add(1).mul(MASKED).expandDims(1).expandDims(1);
        return encoder.forward(h, additiveMask);
    }

    /** The pooler output {@code [B, H]}; requires a pooler. */
    public NDArray pool(NDArray lastHidden) {
        if (pooler == null) {
            throw new IllegalStateException("this model has no pooler");
        }
        return pooler.forward(lastHidden);
    }

    /** Mean of the last hidden states over real tokens {@code [B, H]} (sentence-transformers pooling). */
    public static NDArray meanPool(NDArray lastHidden, NDArray mask) {
        NDArray m = mask.expandDims(2);
        return lastHidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1e-9f));
    }
}
