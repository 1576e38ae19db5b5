package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.testing.TestModels;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our DJL forward pass against an independent runtime: langchain4j's AllMiniLmL6V2EmbeddingModel
 * runs the same ONNX file on ONNX Runtime.
 */
class EmbeddingEquivalenceTest {
    static List<String> sentences() {
        List<String> s = new ArrayList<>(List.of(
                "Hello world",
                "A",
                "The quick brown fox jumps over the lazy dog.",
                "I absolutely loved this movie; the acting was superb and the plot kept me guessing!",
                "it 's a charming and often affecting journey . ",
                "Paris is the capital of France.",
                "What is the capital of France?",
                "Ünïcödé façade — naïve café déjà vu",
                "東京は日本の首都です。",
                "Москва — столица России.",
                "emoji test 🚀🔥 with symbols © ® ™ and math ∑ ∫ √",
                "   leading and trailing spaces   ",
                "UPPER CASE AND lower case AND MiXeD",
                "numbers 3.14159 2718 1e-10 and dates 2026-11-29",
                "tab\tseparated\tand\nnew lines",
                "supercalifragilisticexpialidocious antidisestablishmentarianism",
                "The patient was administered 5mg of hydroxychloroquine twice daily.",
                "\"Quotes\" 'single' `back` and unbalanced \" quote",
                "a b c d e f g h i j k l m n o p q r s t u v w x y z",
                "The company reported quarterly earnings that beat analyst expectations by a wide margin."));
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            longText.append("Sentence number ").append(i).append(" of a long paragraph about transformers. ");
        }
        s.add(longText.toString()); // ~ 350 tokens: past the 128 at which tokenizer.json truncates
        return s;
    }

    @Test
    void matchesOnnxRuntimeWithin1e4() {
        List<String> texts = sentences();
        assertTrue(texts.size() >= 20);
        float[][] ours = new SentenceEmbedder(TestModels.minilm(), 8).embed(texts);
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] ref = reference.embed(texts.get(i)).content().vector();
            assertEquals(ref.length, ours[i].length);
            double w = 0;
            for (int j = 0; j < ref.length; j++) {
                w = Math.max(w, Math.abs(ref[j] - ours[i][j]));
            }
            System.out.printf("  %.3g  %s%n", w, texts.get(i).substring(0, Math.min(40, texts.get(i).length())));
            worst = Math.max(worst, w);
        }
        System.out.printf("embedding max |ours - onnxruntime| over %d texts: %.3g%n", texts.size(), worst);
        assertTrue(worst <= 1e-4, "max abs difference " + worst);
    }

    @Test
    void longTextIsTruncatedAtTheTokenizerFilesLength() {
        String longText = sentences().get(sentences().size() - 1);
        LoadedModel m = TestModels.minilm();
        assertEquals(128, m.defaultMaxLength());
        assertEquals(128, m.tokenizer().encode(List.of(longText)).length());
        try (TextTokenizer wide = m.tokenizer(1000)) {
            int tokens = wide.encode(List.of(longText)).length();
            assertTrue(tokens > 128 && tokens <= 512, "tokens " + tokens);
        }
    }

    @Test
    void emptyStringIsEmbeddedAsClsSep() {
        float[][] v = new SentenceEmbedder(TestModels.minilm(), 4).embed(List.of("", "   "));
        assertEquals(2, TestModels.minilm().tokenizer().encode(List.of("")).length());
        double norm = 0;
        for (int j = 0; j < v[0].length; j++) {
            norm += v[0][j] * v[0][j];
            // whitespace normalises away, so both are [CLS] [SEP]
            assertEquals(v[0][j], v[1][j], 1e-6);
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-5);
    }
}
