package dev.dcft.train;

import dev.dcft.data.Example;
import dev.dcft.model.TextTokenizer;
import dev.dcft.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Examples tokenised once, up front: the training loop only pads and copies ids, so no step pays
 * for tokenisation again.
 */
public final class EncodedDataset {
    private final List<Example> examples;
    private final long[][] ids;
    private final long[][] types;
    private final long padId;

    /** Examples already tokenised elsewhere (question-answering windows): {@code ids[i]} and {@code types[i]} belong to {@code examples.get(i)}. */
    public EncodedDataset(List<Example> examples, long[][] ids, long[][] types, long padId) {
        this.examples = examples;
        this.ids = ids;
        this.types = types;
        this.padId = padId;
    }

    public EncodedDataset(List<Example> examples, TextTokenizer tokenizer, long padId) {
        this.examples = examples;
        this.padId = padId;
        this.ids = new long[examples.size()][];
        this.types = new long[examples.size()][];
        int chunk = 1024;
        for (int start = 0; start < examples.size(); start += chunk) {
            List<Example> part = examples.subList(start, Math.min(examples.size(), start + chunk));
            TokenBatch b = part.get(0).isPair()
                    ? tokenizer.encodePairs(part.stream().map(Example::textA).toList(), part.stream().map(Example::textB).toList())
                    : tokenizer.encode(part.stream().map(Example::textA).toList());
            for (int i = 0; i < part.size(); i++) {
                int len = 0;
                while (len < b.length() && b.mask()[i][len] != 0) {
                    len++;
                }
                ids[start + i] = java.util.Arrays.copyOf(b.ids()[i], len);
                types[start + i] = java.util.Arrays.copyOf(b.typeIds()[i], len);
            }
        }
    }

    public int size() {
        return examples.size();
    }

    public Example example(int i) {
        return examples.get(i);
    }

    public List<Example> examples() {
        return examples;
    }

    public int length(int i) {
        return ids[i].length;
    }

    /** The examples at {@code indices}, right-padded to the longest of them. */
    public TokenBatch batch(int[] indices) {
        long[][] bi = new long[indices.length][];
        long[][] bt = new long[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            bi[i] = ids[indices[i]];
            bt[i] = types[indices[i]];
        }
        return TokenBatch.pad(bi, bt, padId);
    }

    public long tokens(int[] indices) {
        long n = 0;
        for (int i : indices) {
            n += ids[i].length;
        }
        return n;
    }

    /** Indices sorted by length, longest first: evaluation batches then waste little on padding. */
    public List<int[]> lengthSortedBatches(int batchSize) {
        Integer[] order = new Integer[size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Integer.compare(ids[y].length, ids[x].length));
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < order.length; s += batchSize) {
            int[] b = new int[Math.min(batchSize, order.length - s)];
            for (int i = 0; i < b.length; i++) {
                b[i] = order[s + i];
            }
            out.add(b);
        }
        return out;
    }
}
