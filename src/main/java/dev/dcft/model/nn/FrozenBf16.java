package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Bf16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Stores a frozen base in bfloat16: every {@link Linear} and {@link Embedding} parameter below a
 * module, one tensor at a time (the float32 copy is freed before the next is cast, so the base
 * never exists twice). Modules that will train (the pooler, heads) are skipped by path prefix;
 * LayerNorm and everything else stays float32.
 */
public final class FrozenBf16 {
    private FrozenBf16() {
    }

    /** Casts in place. */
    public static void cast(Module root, String... skipPrefixes) {
        for (Parameter p : eligible(root, skipPrefixes)) {
            if (!Bf16.isBf16(p.value())) {
                set(p, p.value());
            }
        }
    }

    /**
     * The parameters {@link #cast} would store in bf16, so that loaders can cast each tensor as it
     * arrives ({@link #set}) instead of building the whole float32 base first.
     */
    public static Set<Parameter> eligible(Module root, String... skipPrefixes) {
        Set<Parameter> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, Module> m : root.namedModules().entrySet()) {
            if (!(m.getValue() instanceof Linear || m.getValue() instanceof Embedding) || skipped(m.getKey(), skipPrefixes)) {
                continue;
            }
            for (Parameter p : m.getValue().ownParameters().values()) {
                if (!p.trainable()) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * Stores {@code data[0..n)} in {@code p} as bf16. The float32 values pass through one reused
     * direct buffer: DJL would otherwise copy each tensor into a fresh direct buffer that only the
     * garbage collector frees, leaving a float32 copy of the base resident after the cast.
     */
    public static void setFromHost(Parameter p, NDManager manager, float[] data, int n, Shape shape) {
        ByteBuffer buf = STAGING.get();
        if (buf.capacity() < 4L * n) {
            buf = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            STAGING.set(buf);
        }
        buf.clear();
        buf.asFloatBuffer().put(data, 0, n);
        buf.limit(4 * n);
        set(p, manager.create(buf, shape, DataType.FLOAT32));
    }

    private static final ThreadLocal<ByteBuffer> STAGING = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));

    /** Stores {@code fp32} in {@code p} as bf16 and frees {@code fp32} at once. */
    public static void set(Parameter p, NDArray fp32) {
        NDArray bf = Bf16.toBf16(fp32);
        p.set(bf);
        if (fp32 != bf) {
            fp32.close();
        }
    }

    private static boolean skipped(String path, String[] prefixes) {
        for (String s : prefixes) {
            if (path.equals(s) || path.startsWith(s + ".")) {
                return true;
            }
        }
        return false;
    }
}
