package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.heads.LastTokenScoreHead;
import dev.dcft.model.heads.TaskHead;

/**
 * A Llama-family decoder without its {@code lm_head}, as the base of a sequence-classification model
 * (LlamaForSequenceClassification, Qwen2ForSequenceClassification, MistralForSequenceClassification): the module
 * {@code model} ({@code model.layers.3.self_attn.q_proj}, Hugging Face's paths inside those classes) whose final-normed
 * hidden states the {@code score} head reads at each row's last real token. Batches are right-padded by the tokenizer;
 * positions count from 0 and padded keys are masked, so a row's states do not depend on the padding after it.
 */
public final class LlamaEncoder extends Encoder {
    private final LlamaEncoderConfig config;
    private final LlamaModel.Inner inner;

    public LlamaEncoder(NDManager manager, LlamaEncoderConfig config) {
        this.config = config;
        this.inner = addChild("model", new LlamaModel.Inner(manager, config.llama()));
    }

    @Override
    public EncoderConfig config() {
        return config;
    }

    @Override
    public NDArray embed(EncoderInput in) {
        return inner.embed.forward(in.inputIds());
    }

    @Override
    public NDArray encode(NDArray h, EncoderInput in) {
        long[] shape = in.mask().getShape().getShape();
        int b = (int) shape[0];
        int t = (int) shape[1];
        float[] m = in.mask().toFloatArray();
        long[] p = in.positionIds().toLongArray();
        long[][] mask = new long[b][t];
        long[][] positions = new long[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                mask[i][j] = m[i * t + j] != 0 ? 1 : 0;
                positions[i][j] = p[i * t + j];
            }
        }
        return inner.forward(in.inputIds().getManager(), config.llama(), h, mask, positions, null);
    }

    @Override
    public NDArray wordEmbeddings() {
        return inner.embed.weight().value();
    }

    @Override
    public boolean hasPooler() {
        return false;
    }

    @Override
    public NDArray pool(NDArray lastHidden) {
        throw new UnsupportedOperationException("a decoder has no pooler: its classification head reads the last real token");
    }

    @Override
    public TaskHead classificationHead(NDManager manager, int numLabels, float dropout, long seed) {
        return new LastTokenScoreHead(manager, config.hiddenSize, numLabels, seed);
    }

    @Override
    public boolean isDecoder() {
        return true;
    }
}
