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

    /**
     * Each layer runs in a manager of its own, closed as soon as the layer's output is handed on. A
     * DJL array otherwise holds its memory until the step's manager closes, after the backward
     * pass, although autograd keeps by reference only what its backward needs: measured on MiniLM
     * at batch 32 x 128, this cut a training step's peak resident memory by 0.3-0.6 GB.
     */
    public NDArray forward(NDArray h, NDArray additiveMask) {
        NDManager step = h.getManager();
        for (int i = 0; i < layers.size(); i++) {
            try (NDManager layerScope = step.newSubManager()) {
                h.tempAttach(layerScope);
                NDArray out = layers.get(i).forward(h, additiveMask);
                out.attach(step);
                h = out;
            }
        }
        return h;
    }
}
