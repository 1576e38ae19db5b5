package dev.dcft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Module;

/**
 * A transformer encoder of any supported architecture, as a tree of modules named as Hugging
 * Face names them (the base model's names, without a task model's {@code bert.} or
 * {@code deberta.} prefix). Adapters, heads, training and saving see only this type.
 */
public abstract class Encoder extends Module {

    public abstract EncoderConfig config();

    /** Last hidden states {@code [B, T, H]}. */
    public NDArray forward(EncoderInput in) {
        return encode(embed(in), in);
    }

    /** The embedding layer's output {@code [B, T, H]}. */
    public abstract NDArray embed(EncoderInput in);

    /** The layers on top of embedding outputs {@code h}. */
    public abstract NDArray encode(NDArray h, EncoderInput in);

    /** The word embedding table {@code [vocab, embedding size]} (what a tied MLM decoder multiplies by). */
    public abstract NDArray wordEmbeddings();

    public abstract boolean hasPooler();

    /** The pooled representation {@code [B, H]}; requires a pooler. */
    public abstract NDArray pool(NDArray lastHidden);

    /**
     * Called before a sequence-classification head is attached: architectures whose task head
     * always has a pooler (DeBERTa's ContextPooler) create it here when the checkpoint has none,
     * initialised as Hugging Face initialises a missing one. BERT keeps what the checkpoint has.
     */
    public void ensureClassificationPooler(NDManager manager, long seed) {
    }

    /** Whether {@link #poolerActivation} is tanh (which the server then applies on the host). */
    public boolean poolerActivatesWithTanh() {
        return true;
    }

    /** The pooler's activation after its dense layer: BERT's tanh; DeBERTa's {@code pooler_hidden_act}. */
    public java.util.function.UnaryOperator<NDArray> poolerActivation() {
        return NDArray::tanh;
    }

    /**
     * The sequence-classification head Hugging Face puts on this family: BERT's and DeBERTa's {@code classifier} on the
     * pooled state with dropout; a decoder's {@code score} on its last real token.
     */
    public dev.dcft.model.heads.TaskHead classificationHead(NDManager manager, int numLabels, float dropout, long seed) {
        return new dev.dcft.model.heads.ClassificationHead(manager, config().hiddenSize, numLabels, dropout, seed);
    }

    /** Whether this is a decoder's stack (causal attention; its task heads read the last token, not a pooler). */
    public boolean isDecoder() {
        return false;
    }

    /** Mean of the last hidden states over real tokens {@code [B, H]} (sentence-transformers pooling). */
    public static NDArray meanPool(NDArray lastHidden, NDArray mask) {
        NDArray m = mask.expandDims(2);
        return lastHidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1e-9f));
    }
}
