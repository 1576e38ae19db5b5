package dev.dcft.adapters;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.nn.Linear;
import java.util.Map;
import java.util.SplittableRandom;

/** One method's complete configuration: what it puts on a model, saves, counts and serves. */
public interface MethodConfig {
    AdapterMethod method();

    TargetModules targets();

    /** The same configuration on other modules. */
    MethodConfig withTargets(TargetModules targets);

    /** Every option with its value (defaults included), as a run's config.json keeps them. */
    MethodOptions options();

    /** A short human description ({@code DCFT d=8 t=8 r=1}). */
    String describe();

    /**
     * This configuration bound to the layers it will wrap (path to frozen layer, in module order),
     * before any is wrapped: a method whose layers share tensors sized by all of them (VeRA) makes
     * them here, from {@code rng}. Most methods need nothing.
     */
    default MethodConfig bind(Map<String, Linear> targeted, NDManager manager, SplittableRandom rng) {
        return this;
    }

    /** The adapter layer for the frozen {@code base} at {@code path}, initialised from {@code rng}. */
    AdapterLayer wrap(NDManager manager, String path, Linear base, SplittableRandom rng);

    /** Trainable numbers on {@code layer} by the method's formula (no weights built). */
    long parameterCount(AdaptableLinear layer);

    /**
     * Fills the empty {@code adapter_config.json} object {@code o}: this method's fields and the
     * {@code common} ones, in the order PEFT's own files have them (nothing sorts them afterwards).
     */
    void writePeftConfig(ObjectNode o, PeftCommonFields common);

    /** A loss added to the task's while training (DCFT's orthogonality penalty), or null. */
    default AuxiliaryLoss auxiliaryLoss() {
        return null;
    }

    /**
     * The server's form of one layer's adapter ({@code tensors} by {@link AdapterMethod#tensorNames}
     * without {@code .weight}), numbers kept on the heap in float32 or bfloat16; an
     * {@link IllegalArgumentException} naming the tensor when a shape does not fit {@code [out, in]}.
     */
    ServedLayer servedLayer(String module, int in, int out, Map<String, HostTensor> tensors, boolean bf16);

    /**
     * What of the shared base this adapter changes beyond its increment (LoRA's saved biases), which
     * a server holding one base for many adapters cannot do per adapter; null when nothing.
     */
    default String changesBase() {
        return null;
    }
}
