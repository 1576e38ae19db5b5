package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcft.api.Prediction;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartTest {
    @TempDir
    Path tmp;

    @Test
    void trainsATinyAdapterAndLabelsNewText() {
        List<Prediction> p = Quickstart.trainAndPredict(tmp.resolve("run"), List.of("a wonderful , moving film", "a dull , tedious mess"));
        assertEquals("positive", p.get(0).label());
        assertEquals("negative", p.get(1).label());
    }
}
