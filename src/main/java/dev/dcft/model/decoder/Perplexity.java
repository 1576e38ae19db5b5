package dev.dcft.model.decoder;

import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;

/**
 * The mean negative log-likelihood of a text under a decoder: the text is tokenized as Hugging Face's tokenizer(text)
 * does (a BOS where the tokenizer adds one), every token after the first is scored, and the perplexity of several
 * texts is {@code exp(total NLL / total scored tokens)}.
 */
public final class Perplexity {
    /** One text's scored tokens and mean NLL. */
    public record Score(int tokens, double nll) {
    }

    private final Decoder decoder;

    public Perplexity(Decoder decoder) {
        this.decoder = decoder;
    }

    public Score score(String text) {
        long[] ids = decoder.encodePrompt(text);
        if (ids.length < 2) {
            throw new IllegalArgumentException("a text of " + ids.length + " token" + (ids.length == 1 ? "" : "s")
                    + " has nothing to score (perplexity needs at least two)");
        }
        if (ids.length > decoder.contextLength()) {
            throw new IllegalArgumentException("a text of " + ids.length + " tokens is longer than the model's context ("
                    + decoder.contextLength() + ", max_position_embeddings)");
        }
        Engines.gradientsOff();
        boolean[] trained = new boolean[ids.length];
        java.util.Arrays.fill(trained, true);
        try (NDManager scope = decoder.manager().newSubManager()) {
            long[][] batch = {ids};
            double sum = CausalLmLoss.summedNll(scope, decoder.model().logits(scope, batch, new long[][] {Generator.ones(ids.length)},
                    new long[][] {Generator.range(0, ids.length)}), batch, new boolean[][] {trained}).getFloat();
            return new Score(ids.length - 1, sum / (ids.length - 1));
        }
    }

    /** Each text's score, in order. */
    public java.util.List<Score> scoreAll(java.util.List<String> texts) {
        java.util.List<Score> scores = new java.util.ArrayList<>();
        for (String t : texts) {
            scores.add(score(t));
        }
        return scores;
    }

    /** {@code exp} of the token-weighted mean NLL of {@code scores}. */
    public static double perplexity(java.util.List<Score> scores) {
        double nll = 0;
        long tokens = 0;
        for (Score s : scores) {
            nll += s.nll() * s.tokens();
            tokens += s.tokens();
        }
        return Math.exp(nll / tokens);
    }
}
