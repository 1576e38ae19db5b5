package dev.dcft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianMinMax() {
        assertEquals(new Stats(3, 1, 9), Stats.of(List.of(9.0, 1.0, 3.0)));
        assertEquals(new Stats(2.5, 1, 9), Stats.of(List.of(9.0, 1.0, 3.0, 2.0)));
    }

    @Test
    void pairedRatioIsTheMedianOfPerRoundRatios() {
        // Round 2 ran in a slow phase for both: per-round ratios 1.1, 1.1, 2.0 give 1.1, where the
        // ratio of the medians would be 220 / 110 = 2.0.
        assertEquals(1.1, Stats.pairedRatio(List.of(110.0, 330.0, 220.0), List.of(100.0, 300.0, 110.0)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Stats.pairedRatio(List.of(1.0), List.of(1.0, 2.0)));
    }
}
