package dev.dcft.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place the PyTorch engine is configured. Properties must be set before DJL first
 * initialises: offline (never download native libraries: they come from Maven jars), the
 * intra-op thread count, and one inter-op thread since we never run graphs concurrently.
 */
public final class Engines {
    private static volatile boolean configured;
    private static int threads;

    private Engines() {
    }

    /** Sets the intra-op thread count (0: the machine's cores); only the first call counts. */
    public static synchronized void configure(int requestedThreads) {
        if (configured) {
            return;
        }
        threads = requestedThreads > 0 ? requestedThreads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
        Engine.getEngine("PyTorch");
        configured = true;
    }

    /**
     * Turns autograd recording off for the calling thread (PyTorch's grad mode is per thread and on
     * by default). Gradient collectors switch it on for a training step and restore it after, so
     * evaluation and the optimizer's in-place updates run without building graphs.
     */
    public static void gradientsOff() {
        configure(0);
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    public static int threads() {
        configure(0);
        return threads;
    }

    public static NDManager newManager() {
        configure(0);
        return NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice(), "PyTorch");
    }

    /** Seeds the engine's generator and the calling thread's dropout masks ({@link DropoutMasks}). */
    public static void seed(int seed) {
        configure(0);
        Engine.getEngine("PyTorch").setRandomSeed(seed);
        DropoutMasks.reseed(seed);
    }
}
