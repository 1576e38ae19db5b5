package dev.dcft.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.ModuleList;

/** The stack of layers: {@code encoder.layer.N}. */
public final class BertEncoder extends Module {
    private final ModuleList<BertLayer> layers;

    BertEncoder(NDManager m, BertConfig c) {
        layers = addChild("layer", new ModuleList<>());
        for (int i = 0; i < c.numLayers; i++) {
            layers.add(new BertLayer(m, c));
        }
    }

    public NDArray forward(NDArray h, NDArray additiveMask) {
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forward(h, additiveMask);
        }
        return h;
    }
}
