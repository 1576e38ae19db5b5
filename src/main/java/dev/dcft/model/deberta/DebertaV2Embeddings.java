package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Embedding;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;

/**
 * Word embeddings, plus absolute positions only when {@code position_biased_input}, plus token
 * types only when {@code type_vocab_size > 0}; {@code embed_proj} when the embedding size differs
 * from the hidden size; LayerNorm; zeroed at padding; dropout.
 */
final class DebertaV2Embeddings extends Module {
    private final Embedding words;
    private final Embedding positions;
    private final Embedding tokenTypes;
    private final Linear embedProj;
    private final LayerNorm norm;
    private final float dropout;

    DebertaV2Embeddings(NDManager m, DebertaV2Config c) {
        words = addChild("word_embeddings", new Embedding(m, c.vocabSize, c.embeddingSize));
        positions = c.positionBiasedInput ? addChild("position_embeddings", new Embedding(m, c.maxPositions, c.embeddingSize)) : null;
        tokenTypes = c.typeVocabSize > 0 ? addChild("token_type_embeddings", new Embedding(m, c.typeVocabSize, c.embeddingSize)) : null;
        embedProj = c.embeddingSize != c.hiddenSize ? addChild("embed_proj", new Linear(m, c.embeddingSize, c.hiddenSize, false)) : null;
        norm = addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps));
        dropout = c.hiddenDropout;
    }

    NDArray wordEmbeddings() {
        return words.weight().value();
    }

    NDArray forward(EncoderInput in) {
        NDArray e = words.forward(in.inputIds());
        if (positions != null) {
            e = e.add(positions.forward(in.positionIds()));
        }
        if (tokenTypes != null) {
            e = e.add(tokenTypes.forward(in.tokenTypeIds()));
        }
        if (embedProj != null) {
            e = embedProj.forward(e);
        }
        NDArray normed = norm.forward(e).mul(in.mask().expandDims(2));
        return Activations.dropout(normed, dropout, isTraining());
    }
}
