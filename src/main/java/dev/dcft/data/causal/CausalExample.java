package dev.dcft.data.causal;

/** One training sequence of a causal LM: its token ids and which of them carry loss (trained[i]: id i is a target). */
public record CausalExample(long[] ids, boolean[] trained) {
    public int length() {
        return ids.length;
    }

    /** How many of its tokens carry loss (the first token never does: nothing predicts it). */
    public int targets() {
        int n = 0;
        for (int i = 1; i < trained.length; i++) {
            n += trained[i] ? 1 : 0;
        }
        return n;
    }
}
