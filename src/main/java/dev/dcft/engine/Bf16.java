package dev.dcft.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Casts between float32 and bfloat16 inside libtorch. DJL 0.36's PyTorch engine cannot name
 * bfloat16 (creating or casting to it aborts the JVM: its JNI maps only the first nine data types)
 * and its own cast runs without autograd, so both directions go through two one-line TorchScript
 * modules ({@code scripts/make-cast-modules.py}) whose forward runs in libtorch with autograd
 * recording: a gradient reaching a bf16 tensor flows back to the float32 tensor it came from.
 * DJL reports a bfloat16 tensor's type as {@link DataType#UNKNOWN}.
 */
public final class Bf16 {
    private static volatile PtSymbolBlock toBf16;
    private static volatile PtSymbolBlock toFp32;

    private Bf16() {
    }

    public static boolean isBf16(NDArray x) {
        return x.getDataType() == DataType.UNKNOWN;
    }

    /** {@code x} rounded to bfloat16 (to nearest even), in {@code x}'s manager; bf16 input is returned as is. */
    public static NDArray toBf16(NDArray x) {
        return isBf16(x) ? x : run(modules()[0], x);
    }

    /** {@code x} as float32 (exact), in {@code x}'s manager; float32 input is returned as is. */
    public static NDArray toFp32(NDArray x) {
        return isBf16(x) ? run(modules()[1], x) : x;
    }

    /** Loads the cast modules now (they load on first use otherwise). */
    public static void load() {
        modules();
    }

    private static NDArray run(PtSymbolBlock cast, NDArray x) {
        // 'true': run with the thread's grad mode instead of DJL's inference guard, so autograd records the cast.
        return IValueUtils.forward(cast, new NDList(x), true).singletonOrThrow();
    }

    private static PtSymbolBlock[] modules() {
        if (toFp32 == null) {
            synchronized (Bf16.class) {
                if (toFp32 == null) {
                    NDManager owner = Engines.newManager();
                    // A one-op graph gains nothing from the JIT's profiling and re-optimising for every
                    // new input shape (each batch's length), which costs far more than the cast.
                    JniUtils.setGraphExecutorOptimize(false);
                    toBf16 = load(owner, "to_bf16.pt");
                    toFp32 = load(owner, "to_fp32.pt");
                }
            }
        }
        return new PtSymbolBlock[] {toBf16, toFp32};
    }

    private static PtSymbolBlock load(NDManager owner, String resource) {
        try (InputStream in = Bf16.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource dev/dcft/engine/" + resource + " (rebuild the project)");
            }
            return JniUtils.loadModule((PtNDManager) owner, in, false, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
