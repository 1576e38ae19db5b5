package dev.dcft.api;

import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.decoder.GenerationOptions;
import dev.dcft.model.decoder.Generator;
import dev.dcft.model.decoder.Perplexity;
import java.util.List;

/**
 * A decoder (Llama, Mistral, Qwen2 directory), optionally with an adapter, to generate and score text: what
 * {@code dcft generate} and {@code dcft perplexity} do, from Java.
 *
 * <pre>{@code
 * try (TextGenerator g = Dcft.loadDecoder(Path.of("Qwen2.5-0.5B-Instruct"), Path.of("runs/reverse/adapter"))) {
 *     System.out.println(g.chat("Reverse 1234", GenerationOptions.greedy(16)).text());
 * }
 * }</pre>
 */
public final class TextGenerator implements AutoCloseable {
    /** A prompt, the text generated after it, and the new token ids. */
    public record Generation(String prompt, String text, long[] tokenIds) {
    }

    /** Per text its scored tokens and mean negative log-likelihood, and the perplexity of them all. */
    public record Scores(List<Perplexity.Score> results, double perplexity) {
    }

    private final Decoder decoder;

    TextGenerator(Decoder decoder) {
        this.decoder = decoder;
    }

    /** Continues {@code prompt} (tokenized as given, special tokens the tokenizer adds included). */
    public Generation generate(String prompt, GenerationOptions options) {
        return run(prompt, decoder.encodePrompt(prompt), options, id -> { });
    }

    /** As {@link #generate}, hearing each new token id as it is chosen. */
    public Generation generate(String prompt, GenerationOptions options, Generator.Listener listener) {
        return run(prompt, decoder.encodePrompt(prompt), options, listener);
    }

    /** Answers {@code userMessage} as the model's chat template frames a user turn. */
    public Generation chat(String userMessage, GenerationOptions options) {
        return run(userMessage, decoder.encodeChat(userMessage), options, id -> { });
    }

    private Generation run(String prompt, long[] ids, GenerationOptions options, Generator.Listener listener) {
        long[] out = new Generator(decoder).generate(ids, options, listener);
        return new Generation(prompt, decoder.tokenizer().decode(out, true), out);
    }

    public Scores perplexity(List<String> texts) {
        List<Perplexity.Score> scores = new Perplexity(decoder).scoreAll(texts);
        return new Scores(scores, Perplexity.perplexity(scores));
    }

    @Override
    public void close() {
        decoder.close();
    }
}
