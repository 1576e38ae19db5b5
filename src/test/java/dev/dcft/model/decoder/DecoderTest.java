package dev.dcft.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Perplexity and generation on the tiny chat decoder against Hugging Face (scripts/fixtures/make_chat_fixtures.py:
 * the model's own cross-entropy of each text, generate(do_sample=False) ids and decoded text).
 */
class DecoderTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/decoders");

    static JsonNode expected() throws Exception {
        return new ObjectMapper().readTree(DIR.resolve("chat-expected.json").toFile());
    }

    @Test
    void perplexityIsHuggingFacesCrossEntropy() throws Exception {
        JsonNode e = expected().get("perplexity");
        try (Decoder d = Decoder.load(DIR.resolve("chat"))) {
            Perplexity p = new Perplexity(d);
            List<Perplexity.Score> scores = new ArrayList<>();
            for (JsonNode r : e.get("results")) {
                Perplexity.Score s = p.score(r.get("text").asText());
                assertEquals(r.get("tokens").asInt(), s.tokens());
                assertEquals(r.get("nll").asDouble(), s.nll(), 1e-4 * r.get("nll").asDouble(), r.get("text").asText());
                scores.add(s);
            }
            assertEquals(e.get("perplexity").asDouble(), Perplexity.perplexity(scores), 1e-3 * e.get("perplexity").asDouble());
        }
    }

    @Test
    void greedyGenerationIsHuggingFaces() throws Exception {
        JsonNode e = expected();
        try (Decoder d = Decoder.load(DIR.resolve("chat"))) {
            Generator g = new Generator(d);
            for (JsonNode r : e.get("greedy")) {
                List<Long> streamed = new ArrayList<>();
                long[] ids = g.generate(d.encodePrompt(r.get("prompt").asText()), GenerationOptions.greedy(e.get("new_tokens").asInt()),
                        streamed::add);
                assertArrayEquals(new ObjectMapper().convertValue(r.get("token_ids"), long[].class), ids, r.get("prompt").asText());
                assertEquals(r.get("text").asText(), d.tokenizer().decode(ids, true));
                assertEquals(ids.length, streamed.size());
            }
        }
    }

    @Test
    void samplingIsSeededAndStaysInTheTopK() throws Exception {
        try (Decoder d = Decoder.load(DIR.resolve("chat"))) {
            Generator g = new Generator(d);
            long[] prompt = d.encodePrompt("Hello");
            GenerationOptions o = new GenerationOptions(12, false, 0.8, 5, 0.9, 42);
            long[] a = g.generate(prompt, o, id -> { });
            long[] b = g.generate(prompt, o, id -> { });
            assertArrayEquals(a, b, "same seed, same tokens");
            long[] c = g.generate(prompt, new GenerationOptions(12, false, 0.8, 5, 0.9, 43), id -> { });
            assertTrue(!java.util.Arrays.equals(a, c), "another seed, other tokens");
            long[] top1 = g.generate(prompt, new GenerationOptions(6, false, 1.0, 1, 1.0, 7), id -> { });
            assertArrayEquals(g.generate(prompt, GenerationOptions.greedy(6), id -> { }), top1, "top-k 1 is greedy");
        }
    }

    @Test
    void generationHoldsOneCacheNotOnePerToken() throws Exception {
        try (Decoder d = Decoder.load(DIR.resolve("chat"))) {
            Generator g = new Generator(d);
            long[] prompt = d.encodePrompt("reverse 12");
            g.generate(prompt, GenerationOptions.greedy(2), id -> { });
            int before = ((ai.djl.pytorch.engine.PtNDManager) d.manager()).getManagedArrays().size();
            g.generate(prompt, new GenerationOptions(40, false, 1.0, 0, 1.0, 3), id -> { });
            assertEquals(before, ((ai.djl.pytorch.engine.PtNDManager) d.manager()).getManagedArrays().size(),
                    "generation leaves no arrays in the model's manager");
        }
    }

    @Test
    void aPromptThatFillsTheContextIsOneLine() throws Exception {
        try (Decoder d = Decoder.load(DIR.resolve("chat"))) {
            long[] prompt = new long[d.contextLength()];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Generator(d).generate(prompt, GenerationOptions.greedy(3), id -> { }));
            assertTrue(e.getMessage().contains("context is 64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new GenerationOptions(3, false, 0, 0, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> new GenerationOptions(3, false, 1, 0, 1.5, 0));
        }
    }

    /**
     * A bf16 base: projections and embeddings stored in bfloat16 (norms float32), each text's NLL within bf16 rounding of
     * Hugging Face's float32 cross-entropy (1%: 8 mantissa bits through two layers), and not the float32 value to the
     * bit (the products really ran in bf16).
     */
    @Test
    void bf16BaseScoresWithinRoundingOfHuggingFace() throws Exception {
        JsonNode e = expected().get("perplexity");
        try (Decoder d = Decoder.load(DIR.resolve("chat"), null, dev.dcft.engine.Precision.BF16);
                Decoder f = Decoder.load(DIR.resolve("chat"))) {
            var params = d.model().namedParameters();
            assertTrue(dev.dcft.engine.Bf16.isBf16(params.get("model.layers.0.self_attn.q_proj.weight").value()));
            assertTrue(dev.dcft.engine.Bf16.isBf16(params.get("model.embed_tokens.weight").value()));
            assertTrue(!dev.dcft.engine.Bf16.isBf16(params.get("model.norm.weight").value()));
            boolean differs = false;
            for (JsonNode r : e.get("results")) {
                String text = r.get("text").asText();
                double nll = new Perplexity(d).score(text).nll();
                assertEquals(r.get("nll").asDouble(), nll, 1e-2 * r.get("nll").asDouble(), text);
                differs |= nll != new Perplexity(f).score(text).nll();
            }
            assertTrue(differs, "bf16 scores equal float32's to the bit: the products did not run in bf16");
        }
    }
}
