package dev.dcft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A padded batch as engine tensors: ids, token types and positions {@code [B, T]} int64, the
 * attention mask {@code [B, T]} float (1 real, 0 pad). Created in a per-batch manager so it is
 * freed with it.
 */
public record EncoderInput(NDArray inputIds, NDArray tokenTypeIds, NDArray positionIds, NDArray mask) {

    public static EncoderInput of(NDManager manager, TokenBatch batch, EncoderConfig config) {
        int b = batch.size();
        int t = batch.length();
        long[] ids = new long[b * t];
        long[] types = new long[b * t];
        long[] positions = new long[b * t];
        float[] mask = new float[b * t];
        int offset = config.positionOffset();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int k = i * t + j;
                boolean real = batch.mask()[i][j] != 0;
                ids[k] = batch.ids()[i][j];
                types[k] = Math.max(0, Math.min(batch.typeIds()[i][j], config.typeVocabSize - 1));
                mask[k] = real ? 1f : 0f;
                // RoBERTa numbers real tokens from padding_idx + 1 and gives pads padding_idx.
                positions[k] = offset == 0 ? j : (real ? offset + j : config.padTokenId);
            }
        }
        Shape shape = new Shape(b, t);
        return new EncoderInput(manager.create(ids, shape), manager.create(types, shape),
                manager.create(positions, shape), manager.create(mask, shape));
    }
}
