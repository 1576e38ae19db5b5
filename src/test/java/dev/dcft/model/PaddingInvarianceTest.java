package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-token states of a padded batch equal those of each sentence run alone. */
class PaddingInvarianceTest {
    @Test
    void paddedBatchMatchesUnpaddedRuns() {
        LoadedModel m = TestModels.minilm();
        Encoder bert = m.model();
        bert.setTraining(false);
        int h = bert.config().hiddenSize;
        List<String> texts = List.of("short", "a somewhat longer sentence with several more tokens in it",
                "medium length text here", "x");
        TokenBatch batch = m.tokenizer().encode(texts);
        double worst = 0;
        try (NDManager step = m.manager().newSubManager()) {
            float[] padded = bert.forward(EncoderInput.of(step, batch, bert.config())).toFloatArray();
            int t = batch.length();
            for (int i = 0; i < texts.size(); i++) {
                TokenBatch single = m.tokenizer().encode(List.of(texts.get(i)));
                float[] alone = bert.forward(EncoderInput.of(step, single, bert.config())).toFloatArray();
                int len = single.length();
                assertTrue(len < t || i == 1);
                for (int tok = 0; tok < len; tok++) {
                    for (int j = 0; j < h; j++) {
                        float a = padded[(i * t + tok) * h + j];
                        float b = alone[tok * h + j];
                        worst = Math.max(worst, Math.abs(a - b));
                    }
                }
            }
        }
        System.out.printf("padding invariance max abs difference: %.3g%n", worst);
        assertTrue(worst <= 1e-5, "max abs difference " + worst);
    }
}
