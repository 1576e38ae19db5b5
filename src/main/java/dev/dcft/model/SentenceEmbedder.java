package dev.dcft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Sentence embeddings as all-MiniLM-L6-v2 defines them: the mean of the last hidden states over
 * the attention mask, L2-normalised. Texts are truncated at the model's default length
 * ({@link LoadedModel#defaultMaxLength()}).
 * The empty string is embedded like any text: [CLS] [SEP] alone, so it gets a definite vector.
 */
public final class SentenceEmbedder {
    private final LoadedModel model;
    private final int batchSize;

    public SentenceEmbedder(LoadedModel model, int batchSize) {
        this.model = model;
        this.batchSize = batchSize;
    }

    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        Encoder bert = model.model();
        bert.setTraining(false);
        int dim = bert.config().hiddenSize;
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<String> chunk = texts.subList(start, Math.min(texts.size(), start + batchSize));
            TokenBatch batch = model.tokenizer().encode(chunk);
            try (NDManager step = model.manager().newSubManager()) {
                EncoderInput in = EncoderInput.of(step, batch, bert.config());
                NDArray pooled = Encoder.meanPool(bert.forward(in), in.mask());
                NDArray normed = pooled.div(pooled.norm(new int[] {1}, true).maximum(1e-12f));
                float[] flat = normed.toFloatArray();
                for (int i = 0; i < chunk.size(); i++) {
                    out[start + i] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
                }
            }
        }
        return out;
    }
}
