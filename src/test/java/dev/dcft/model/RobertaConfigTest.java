package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.engine.Engines;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.model.bert.BertInit;
import dev.dcft.model.bert.BertModel;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import org.junit.jupiter.api.Test;

/** RoBERTa's differences from BERT: positions start after padding_idx, one token type. */
class RobertaConfigTest {
    static BertConfig roberta() {
        ObjectNode json = BertConfig.of(100, 8, 1, 2, 16, 20, 1, 1e-5f).toJson();
        json.put("model_type", "roberta");
        json.put("pad_token_id", 1);
        return BertConfig.fromJson(json, "test");
    }

    @Test
    void positionsStartAfterPaddingIndexAndPadsGetIt() {
        BertConfig c = roberta();
        assertEquals(2, c.positionOffset());
        TokenBatch b = TokenBatch.pad(new long[][] {{0, 5, 6, 2}, {0, 7, 2}}, new long[][] {{0, 0, 0, 0}, {0, 0, 0}}, 1);
        try (NDManager m = Engines.newManager()) {
            EncoderInput in = EncoderInput.of(m, b, c);
            assertArrayEquals(new long[] {2, 3, 4, 5, 2, 3, 4, 1}, in.positionIds().toLongArray());
            assertArrayEquals(new long[] {0, 5, 6, 2, 0, 7, 2, 1}, in.inputIds().toLongArray());
        }
    }

    @Test
    void robertaPaddedBatchMatchesSingleRun() {
        BertConfig c = roberta();
        try (NDManager m = Engines.newManager()) {
            BertModel model = new BertModel(m, c, false);
            BertInit.randomize(model, m, 11);
            TokenBatch both = TokenBatch.pad(new long[][] {{0, 5, 6, 9, 2}, {0, 7, 2}}, new long[][] {{0, 0, 0, 0, 0}, {0, 0, 0}}, 1);
            TokenBatch alone = TokenBatch.pad(new long[][] {{0, 7, 2}}, new long[][] {{0, 0, 0}}, 1);
            float[] padded = model.forward(EncoderInput.of(m, both, c)).toFloatArray();
            float[] single = model.forward(EncoderInput.of(m, alone, c)).toFloatArray();
            for (int tok = 0; tok < 3; tok++) {
                for (int j = 0; j < 8; j++) {
                    float a = padded[(5 + tok) * 8 + j];
                    assertTrue(Math.abs(a - single[tok * 8 + j]) <= 1e-5, "token " + tok);
                }
            }
        }
    }
}
