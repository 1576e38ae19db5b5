package dev.dcft.serve;

import ai.djl.ndarray.NDArray;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import dev.dcft.model.nn.Module;

/**
 * A base linear layer that adds, to each sequence of the batch, the increment of that sequence's
 * own adapter ({@link MixedBatch}): the base product runs once for all rows, the adapters' thin
 * products in a few batched operations whatever the number of distinct adapters.
 */
final class RoutedLinear extends Module implements LinearLayer {
    private final Linear base;
    private final String path;
    private final ThreadLocal<MixedBatch> current;

    RoutedLinear(Linear base, String path, ThreadLocal<MixedBatch> current) {
        this.base = addChild("base_layer", base);
        this.path = path;
        this.current = current;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = base.forward(x);
        MixedBatch batch = current.get();
        // In place: the base output is this layer's own fresh tensor, and serving records no gradients.
        return batch == null ? y : batch.addTo(path, x, y, base);
    }

    @Override
    public boolean variesPerSequence() {
        return true;
    }

    Linear base() {
        return base;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }
}
