package dev.dcft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.engine.Precision;
import dev.dcft.model.bert.BertConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The floor step's FLOP count against the list of its matrix products written out one by one. */
class GemmRateTest {
    @Test
    void floorFlopsAreTheSumOfTheStepsProducts() {
        int layers = 3;
        int hidden = 64;
        int ffn = 160;
        int heads = 4;
        int batch = 5;
        int seq = 12;
        BertConfig c = BertConfig.of(1000, hidden, layers, heads, ffn, 64, 2, 1e-12f);
        int n = batch * seq;
        int dh = hidden / heads;
        // {m, k, n, how many}: each product costs 2 m k n multiply-add FLOPs.
        List<long[]> products = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (String w : new String[] {"query", "key", "value", "attention.output"}) {
                products.add(new long[] {n, hidden, hidden, 1}); // forward
                products.add(new long[] {n, hidden, hidden, 1}); // input gradient: [n, out] x [out, in]
            }
            products.add(new long[] {n, hidden, ffn, 1});
            products.add(new long[] {n, ffn, hidden, 1});
            products.add(new long[] {n, ffn, hidden, 1}); // gradient through intermediate: [n, ffn] x [ffn, hidden]
            products.add(new long[] {n, hidden, ffn, 1}); // gradient through output: [n, hidden] x [hidden, ffn]
            long bh = (long) batch * heads;
            products.add(new long[] {seq, dh, seq, bh}); // q k^T
            products.add(new long[] {seq, seq, dh, bh}); // p v
            products.add(new long[] {seq, seq, dh, bh}); // dq = ds k
            products.add(new long[] {seq, seq, dh, bh}); // dk = ds^T q
            products.add(new long[] {seq, dh, seq, bh}); // dp = do v^T
            products.add(new long[] {seq, seq, dh, bh}); // dv = p^T do
        }
        double expected = 0;
        for (long[] p : products) {
            expected += 2.0 * p[0] * p[1] * p[2] * p[3];
        }
        assertEquals(expected, GemmRate.floorStepFlops(c, batch, seq), 1e-6 * expected);
    }

    @Test
    void measuresAPositiveRateInEitherPrecision() {
        for (Precision p : new Precision[] {Precision.FP32, Precision.BF16}) {
            double r = GemmRate.gflops(64, 64, 128, p);
            assertTrue(r > 0 && Double.isFinite(r), p + ": " + r);
        }
    }
}
