package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Scalars;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Constants used under autograd must outlive the backward pass: with DJL's own x.mul(Number) the
 * saved scalar's buffer can be collected and reused before backward reads it.
 */
class ScalarsTest {
    @Test
    void gradientThroughConstantsSurvivesGarbageCollection() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4});
            x.setRequiresGradient(true);
            for (int round = 0; round < 20; round++) {
                try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray xs = x.duplicate();
                    xs.attach(step);
                    NDArray y = Scalars.add(Scalars.div(Scalars.mul(x.mul(step.ones(x.getShape())), 3.0), 2.0), 1.0);
                    List<ByteBuffer> churn = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        churn.add(ByteBuffer.allocateDirect(64).putFloat(0, Float.NaN));
                    }
                    System.gc();
                    gc.backward(y.sum());
                    float[] g = x.getGradient().toFloatArray();
                    for (float v : g) {
                        assertEquals(1.5f, v, 0f);
                    }
                    x.getGradient().muli(0);
                }
            }
        }
    }

    @Test
    void constantsSurviveTheirHandleBeingClosedBeforeBackward() {
        // What the encoder's per-layer managers do: every array of a layer is closed before the
        // backward pass, which must still find the constants it saved. (Whether freed memory is
        // reused in time cannot be forced, so this checks the pattern, not the race itself; the
        // constants are engine-filled, so no Java buffer backs them.)
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4});
            x.setRequiresGradient(true);
            for (int round = 0; round < 20; round++) {
                try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray y;
                    try (NDManager layer = step.newSubManager()) {
                        NDArray xs = x.mul(layer.ones(x.getShape()));
                        NDArray out = Scalars.pow(Scalars.mul(xs, 3.0), 2.0);
                        out.attach(step);
                        y = out;
                    }
                    List<ByteBuffer> churn = new ArrayList<>();
                    System.gc();
                    for (int i = 0; i < 4000; i++) {
                        churn.add(ByteBuffer.allocateDirect(4 << (i % 5)).putFloat(0, Float.NaN));
                    }
                    gc.backward(y.sum());
                    float[] g = x.getGradient().toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(18f * (i + 1), g[i], 1e-4f, "d(9 x^2)/dx at x = " + (i + 1));
                    }
                    x.getGradient().muli(0);
                }
            }
        }
    }
}
