package dev.dcft.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.TokenBatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The model's tokenizer.json run by the Rust Hugging Face tokenizers. Padding set in the file is
 * overridden (we pad each batch to its own longest row); truncation is to {@code maxLength}
 * tokens, longest-first for pairs, special tokens included.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;

    public TextTokenizer(byte[] tokenizerJson, String source, int maxLength, long padId) {
        this.maxLength = maxLength;
        this.padId = padId;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of(
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Integer.toString(maxLength),
                    "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(source, "cannot load tokenizer: " + e.getMessage());
        }
    }

    /** The truncation max_length set in a tokenizer.json, or 0 when it sets none. */
    public static int truncationLength(byte[] tokenizerJson) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tokenizerJson).path("truncation");
            return node.path("max_length").asInt(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The id of the first of {@code candidates} that the tokenizer has as an added (special) token, or -1. */
    public static long addedTokenId(byte[] tokenizerJson, String... candidates) {
        try {
            var added = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tokenizerJson).path("added_tokens");
            for (String c : candidates) {
                for (var t : added) {
                    if (c.equals(t.path("content").asText())) {
                        return t.path("id").asLong();
                    }
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** The text of one token id, as the tokenizer's decoder gives it. */
    public String decode(long id) {
        return tokenizer.decode(new long[] {id}, false);
    }

    public int maxLength() {
        return maxLength;
    }

    public TokenBatch encode(List<String> texts) {
        long[][] ids = new long[texts.size()][];
        long[][] types = new long[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            ids[i] = e.getIds();
            types[i] = e.getTypeIds();
        }
        return TokenBatch.pad(ids, types, padId);
    }

    public TokenBatch encodePairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("pair lists differ in length");
        }
        long[][] ids = new long[first.size()][];
        long[][] types = new long[first.size()][];
        for (int i = 0; i < first.size(); i++) {
            Encoding e = tokenizer.encode(first.get(i), second.get(i));
            ids[i] = e.getIds();
            types[i] = e.getTypeIds();
        }
        return TokenBatch.pad(ids, types, padId);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
