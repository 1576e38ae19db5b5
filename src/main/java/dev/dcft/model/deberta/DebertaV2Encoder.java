package dev.dcft.model.deberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.dcft.engine.Bf16;
import dev.dcft.model.nn.Embedding;
import dev.dcft.model.nn.LayerNorm;
import dev.dcft.model.nn.Scope;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.ModuleList;

/**
 * {@code encoder}: the layers, the relative position table {@code rel_embeddings} (2 x span rows),
 * {@code LayerNorm} (which normalises that table only, when {@code norm_rel_ebd} says so: there is
 * no final LayerNorm on the hidden states) and the optional {@code conv} after layer 0.
 */
final class DebertaV2Encoder extends Module {
    private final DebertaV2Config c;
    private final ModuleList<DebertaV2Layer> layers;
    private final Embedding relEmbeddings;
    private final LayerNorm relNorm;
    private final ConvLayer conv;

    DebertaV2Encoder(NDManager m, DebertaV2Config c) {
        this.c = c;
        layers = addChild("layer", new ModuleList<>());
        for (int i = 0; i < c.numLayers; i++) {
            layers.add(new DebertaV2Layer(m, c));
        }
        relEmbeddings = c.relativeAttention ? addChild("rel_embeddings", new Embedding(m, 2 * c.attentionSpan(), c.hiddenSize)) : null;
        relNorm = c.normRelEmbedding ? addChild("LayerNorm", new LayerNorm(m, c.hiddenSize, c.layerNormEps)) : null;
        conv = c.convKernelSize > 0 ? addChild("conv", new ConvLayer(m, c)) : null;
    }

    /** {@code mask} {@code [B, T]} float: 1 real, 0 pad. */
    NDArray forward(NDArray embedded, NDArray mask, float maskedValue) {
        NDManager step = embedded.getManager();
        long b = embedded.getShape().get(0);
        int t = (int) embedded.getShape().get(1);
        NDArray keyMask = mask.neg().add(1).mul(maskedValue).expandDims(1).expandDims(1);
        NDArray queryMask = mask.expandDims(2);
        NDArray rel = null;
        RelativeIndex index = null;
        if (relEmbeddings != null) {
            // A view of the table moved into the step's manager (the LayerNorm is row by row, so slicing first changes
            // nothing): the normalisation's arrays then live and die with the step instead of piling up in the model's.
            NDArray table = relEmbeddings.weight().value();
            NDArray full = Bf16.isBf16(table) ? Scope.adopt(step, Bf16.toFp32(table)) : table;
            rel = Scope.adopt(step, full.get(new NDIndex("0:{}", 2 * c.attentionSpan())));
            if (relNorm != null) {
                rel = relNorm.forward(rel);
            }
            index = RelativeIndex.of(step, c, b, t);
        }
        NDArray h = embedded;
        for (int i = 0; i < layers.size(); i++) {
            try (NDManager layerScope = step.newSubManager()) {
                h.tempAttach(layerScope);
                NDArray out = layers.get(i).forward(h, keyMask, queryMask, rel, index);
                if (i == 0 && conv != null) {
                    out = conv.forward(embedded, out, queryMask);
                }
                out.attach(step);
                h = out;
            }
        }
        return h;
    }
}
