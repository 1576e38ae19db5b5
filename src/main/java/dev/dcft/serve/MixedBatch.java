package dev.dcft.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.serving.BatchedRows;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.model.nn.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One forward pass's routing: sequence {@code s} of the batch uses adapter {@code adapters[s]}
 * (null: the base alone). For each adapted layer, the sequences whose adapters share a kind of
 * increment ({@link ServedLayer#groupKey}) are computed together by that kind's own batched product
 * (its method's {@link ServedLayer#addBatched}): their numbers are copied from the heap into one
 * tensor per kind (zeros for the other sequences) and multiplied in batched products, so a batch
 * mixing a thousand adapters costs what a batch of one unmerged adapter does.
 */
final class MixedBatch {
    private final NDManager scope;
    private final List<ServedAdapter> adapters;
    private final int sequences;

    MixedBatch(NDManager scope, List<ServedAdapter> adapters) {
        this.scope = scope;
        this.adapters = adapters;
        this.sequences = adapters.size();
    }

    /**
     * {@code y} plus, for each sequence, its adapter's increment for layer {@code path}, computed
     * from {@code x} ({@code [S, T, in]} or {@code [S*T, in]}); {@code y} (the base layer's fresh
     * output, same layout) is updated in place and returned.
     */
    NDArray addTo(String path, NDArray x, NDArray y, Linear base) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        ServedLayer[] layers = new ServedLayer[sequences];
        for (int s = 0; s < sequences; s++) {
            ServedAdapter a = adapters.get(s);
            ServedLayer w = a == null ? null : a.layers().get(path);
            if (w != null) {
                layers[s] = w;
                groups.computeIfAbsent(w.groupKey(), k -> new ArrayList<>()).add(s);
            }
        }
        if (groups.isEmpty()) {
            return y;
        }
        long in = x.getShape().get(x.getShape().dimension() - 1);
        long out = y.getShape().get(y.getShape().dimension() - 1);
        // Rows per sequence: the batch's tokens, or another count for inputs given once per sequence (DeBERTa's
        // relative position embeddings).
        int rowsPerSequence = (int) (x.getShape().size() / in / sequences);
        NDArray x3 = x.reshape(sequences, rowsPerSequence, in);
        NDArray y3 = y.reshape(sequences, rowsPerSequence, out);
        for (List<Integer> rows : groups.values()) {
            ServedLayer[] group = new ServedLayer[sequences];
            rows.forEach(r -> group[r] = layers[r]);
            group[rows.get(0)].addBatched(new BatchedRows(scope, sequences, rowsPerSequence, x3, y3, rows, group, base));
        }
        return y;
    }
}
