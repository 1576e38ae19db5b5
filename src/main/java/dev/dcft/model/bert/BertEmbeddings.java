package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.nn.Activations;
import dev.dcft.model.nn.Embedding;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Module;

/** Word + position + token-type embeddings, then LayerNorm and dropout. */
public final class BertEmbeddings extends Module {
    private final Embedding words;
    private final Embedding positions;
    private final Embedding tokenTypes;
    private final LayerNorm norm;
    private final float dropout;

    BertEmbeddings(NDManager m, BertConfig c) {
        words = addChild("word_embeddings", new Embedding(m, c.vocabSize, c.hiddenSize));
        positions = addChild("position_embeddings", new Embedding(m, c.maxPositions, c.hiddenSize));
        tokenTypes = addChild("token_type_embeddings", new Embedding(m, c.typeVocabSize, c.hiddenSize));
        norm = addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps));
        dropout = c.hiddenDropout;
    }

    NDArray wordEmbeddings() {
        return words.weight().value();
    }

    public NDArray forward(EncoderInput in) {
        NDArray sum = words.forward(in.inputIds())
                .add(tokenTypes.forward(in.tokenTypeIds()))
                .add(positions.forward(in.positionIds()));
        return Activations.dropout(norm.forward(sum), dropout, isTraining());
    }
}
