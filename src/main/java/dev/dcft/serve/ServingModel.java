package dev.dcft.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.TextTokenizer;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one base model the server keeps: every linear layer of its encoder layers is wrapped in a
 * {@link RoutedLinear}, so any loaded adapter (of any target modules) can ride on any sequence of
 * a batch. Only the batch worker thread runs forward passes.
 */
final class ServingModel implements AutoCloseable {
    private final LoadedModel base;
    private final ThreadLocal<MixedBatch> current = new ThreadLocal<>();
    private final Map<String, int[]> linearShapes = new LinkedHashMap<>();
    private final Map<Integer, TextTokenizer> tokenizers = new HashMap<>();

    ServingModel(LoadedModel base) {
        this.base = base;
        Encoder encoder = base.model();
        // Training gives every classification head a pooler where the architecture's head has one (DeBERTa's
        // ContextPooler, even when the checkpoint lacks it): so must the served base, whose pooler weights are then
        // each adapter's own (HostHead); the numbers created here are never used.
        encoder.ensureClassificationPooler(base.manager(), 0);
        for (Map.Entry<String, Module> e : new ArrayList<>(encoder.namedModules().entrySet())) {
            String path = e.getKey();
            if (e.getValue() instanceof Linear l && path.startsWith("encoder.layer.")) {
                int dot = path.lastIndexOf('.');
                Module parent = encoder.find(path.substring(0, dot));
                parent.replaceChild(path.substring(dot + 1), new RoutedLinear(l, path, current));
                linearShapes.put(path, new int[] {l.inFeatures(), l.outFeatures()});
            }
        }
        encoder.setTraining(false);
    }

    String name() {
        return base.name();
    }

    LoadedModel base() {
        return base;
    }

    int hiddenSize() {
        return base.model().config().hiddenSize;
    }

    boolean hasPooler() {
        return base.model().hasPooler();
    }

    /**
     * The pooler's activation on every row's pre-activation {@code W h + b} in {@code pre} (null rows skipped), into
     * {@code out}: BERT's tanh on the host (in double, from the exact sums), any other (DeBERTa's exact GELU) in
     * one engine call for the whole batch.
     */
    void activatePooler(double[][] pre, float[][] out) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < pre.length; i++) {
            if (pre[i] != null) {
                rows.add(i);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        int h = pre[rows.get(0)].length;
        if (base.model().poolerActivatesWithTanh()) {
            for (int i : rows) {
                out[i] = new float[h];
                for (int k = 0; k < h; k++) {
                    out[i][k] = (float) Math.tanh(pre[i][k]);
                }
            }
            return;
        }
        float[] all = new float[rows.size() * h];
        for (int r = 0; r < rows.size(); r++) {
            for (int k = 0; k < h; k++) {
                all[r * h + k] = (float) pre[rows.get(r)][k];
            }
        }
        Engines.gradientsOff();
        float[] act;
        try (NDManager scope = base.manager().newSubManager()) {
            act = base.model().poolerActivation().apply(scope.create(all, new ai.djl.ndarray.types.Shape(rows.size(), h))).toFloatArray();
        }
        for (int r = 0; r < rows.size(); r++) {
            out[rows.get(r)] = java.util.Arrays.copyOfRange(act, r * h, (r + 1) * h);
        }
    }

    /** {@code {in, out}} of an adaptable linear layer, or null when the base has none at {@code path}. */
    int[] linearShape(String path) {
        return linearShapes.get(path);
    }

    int defaultMaxLength() {
        return base.tokenizer().maxLength();
    }

    synchronized TextTokenizer tokenizer(int maxLength) {
        return tokenizers.computeIfAbsent(maxLength, base::tokenizer);
    }

    /** One tokenized input and the adapter it goes through (null: the base alone). */
    record Row(ServedAdapter adapter, long[] ids, long[] types) {
    }

    /** Per row: the first token's last hidden state and the mean over its real tokens, {@code [H]} each. */
    record Features(float[][] first, float[][] mean) {
    }

    Features forward(List<Row> rows) {
        Engines.gradientsOff();
        long[][] ids = new long[rows.size()][];
        long[][] types = new long[rows.size()][];
        List<ServedAdapter> adapters = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ids[i] = rows.get(i).ids();
            types[i] = rows.get(i).types();
            adapters.add(rows.get(i).adapter());
        }
        TokenBatch batch = TokenBatch.pad(ids, types, base.model().config().padTokenId);
        int h = hiddenSize();
        try (NDManager scope = base.manager().newSubManager()) {
            EncoderInput in = EncoderInput.of(scope, batch, base.model().config());
            current.set(new MixedBatch(scope, adapters));
            NDArray last;
            try {
                last = base.model().forward(in);
            } finally {
                current.remove();
            }
            float[] first = last.get(":, 0, :").toFloatArray();
            float[] mean = Encoder.meanPool(last, in.mask()).toFloatArray();
            float[][] f = new float[rows.size()][];
            float[][] m = new float[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                f[i] = java.util.Arrays.copyOfRange(first, i * h, (i + 1) * h);
                m[i] = java.util.Arrays.copyOfRange(mean, i * h, (i + 1) * h);
            }
            return new Features(f, m);
        }
    }

    @Override
    public synchronized void close() {
        tokenizers.values().forEach(TextTokenizer::close);
        base.close();
    }
}
