package dev.dcft.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Autoregressive generation with a key/value cache: the prompt runs once, then each new token costs one position's
 * products. Stops after {@code maxNewTokens}, at one of the decoder's stop ids (kept in the output, as Hugging Face's
 * generate keeps it), or at the context length.
 */
public final class Generator {
    /** Hears each new token as it is chosen (streamed output). */
    public interface Listener {
        void token(long id);
    }

    private final LlamaModel model;
    private final NDManager manager;
    private final int context;
    private final long[] stops;

    public Generator(Decoder decoder) {
        this(decoder.model(), decoder.manager(), decoder.contextLength(), decoder.stopIds());
    }

    /** A model without its directory (a benchmark's random one): its manager, context length and stop ids given. */
    public Generator(LlamaModel model, NDManager manager, int context, long[] stopIds) {
        this.model = model;
        this.manager = manager;
        this.context = context;
        this.stops = stopIds.clone();
    }

    /** The new ids after {@code prompt}; a prompt that leaves no room in the context is one line. */
    public long[] generate(long[] prompt, GenerationOptions options, Listener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty (no tokens)");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt is " + prompt.length + " tokens, but the model's context is " + context
                    + " (max_position_embeddings): nothing can follow it");
        }
        Engines.gradientsOff();
        TokenSampler sampler = new TokenSampler(options);
        List<Long> out = new ArrayList<>();
        try (NDManager generation = manager.newSubManager()) {
            LlamaModel.KvCache cache = new LlamaModel.KvCache(model, generation);
            long[][] ids = {prompt};
            long[][] mask = {ones(prompt.length)};
            long[][] positions = {range(0, prompt.length)};
            int length = prompt.length;
            while (out.size() < options.maxNewTokens() && length < context) {
                int next;
                try (NDManager step = generation.newSubManager()) {
                    NDArray logits = model.logits(step, ids, mask, positions, cache);
                    next = sampler.next(logits.get(0, ids[0].length - 1).toFloatArray());
                }
                out.add((long) next);
                listener.token(next);
                if (contains(stops, next)) {
                    break;
                }
                ids = new long[][] {{next}};
                mask = new long[][] {{1}};
                positions = new long[][] {{length}};
                length++;
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean contains(long[] a, long v) {
        for (long x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    static long[] ones(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    static long[] range(int from, int to) {
        long[] a = new long[to - from];
        for (int i = 0; i < a.length; i++) {
            a[i] = from + i;
        }
        return a;
    }
}
