package dev.dcft.adapters.vera;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftCommonFields;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.serving.LayerMismatchException;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.adapters.serving.ThinFactors;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Weight;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * VeRA's configuration; once bound to the layers it adapts ({@link #bind}), also the shared
 * projections they all slice: {@code vera_A} {@code [r, in_max]} and {@code vera_B} {@code [out_max, r]},
 * Kaiming-uniform as PEFT draws them (bound {@code sqrt(6 / fan_in)}), from {@code prngKey}.
 */
public record VeraConfig(int rank, double dInitial, double dropout, int prngKey, TargetModules targets, Projections projections)
        implements MethodConfig {
    public VeraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("VeRA rank must be at least 1, got " + rank);
        }
    }

    /** The frozen matrices every layer shares. */
    public record Projections(Weight a, Weight b) {
    }

    @Override
    public AdapterMethod method() {
        return VeraMethod.INSTANCE;
    }

    @Override
    public MethodConfig withTargets(TargetModules t) {
        return new VeraConfig(rank, dInitial, dropout, prngKey, t, null);
    }

    @Override
    public MethodOptions options() {
        return MethodOptions.empty().with("rank", rank).with("adapter-dropout", dropout).with("d-initial", dInitial)
                .with("projection-prng-key", prngKey);
    }

    @Override
    public String describe() {
        return String.format("VeRA r=%d", rank);
    }

    @Override
    public MethodConfig bind(Map<String, Linear> targeted, NDManager manager, SplittableRandom unused) {
        int inMax = targeted.values().stream().mapToInt(Linear::inFeatures).max().orElseThrow();
        int outMax = targeted.values().stream().mapToInt(Linear::outFeatures).max().orElseThrow();
        // PEFT seeds the projections with projection_prng_key, not the run's seed: the same key gives the same matrices.
        SplittableRandom rng = new SplittableRandom(prngKey);
        Weight a = new Weight(kaimingUniform(manager, rng, rank, inMax));
        Weight b = new Weight(kaimingUniform(manager, rng, outMax, rank));
        a.parameter().setTrainable(false);
        b.parameter().setTrainable(false);
        return new VeraConfig(rank, dInitial, dropout, prngKey, targets, new Projections(a, b));
    }

    /** U(-sqrt(6 / fan_in), sqrt(6 / fan_in)) for a {@code [rows, fanIn]} matrix, as torch's kaiming_uniform_ (gain sqrt 2). */
    private static ai.djl.ndarray.NDArray kaimingUniform(NDManager m, SplittableRandom rng, int rows, int fanIn) {
        double bound = Math.sqrt(6.0 / fanIn);
        float[] v = new float[rows * fanIn];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return m.create(v, new Shape(rows, fanIn));
    }

    @Override
    public AdapterLayer wrap(NDManager manager, String path, Linear base, SplittableRandom rng) {
        if (projections == null) {
            throw new IllegalStateException("VeRA layers need the shared projections: bind the configuration to its layers first");
        }
        if (base.inFeatures() > projections.a().value().getShape().get(1) || base.outFeatures() > projections.b().value().getShape().get(0)) {
            throw new IllegalArgumentException("module '" + path + "' is larger than VeRA's shared projections");
        }
        return new VeraLinear(manager, base, rank, dInitial, dropout, projections);
    }

    /** {@code out + r} per adapted matrix: the projections are frozen. */
    @Override
    public long parameterCount(AdaptableLinear layer) {
        return (long) layer.out() + rank;
    }

    @Override
    public void writePeftConfig(ObjectNode o, PeftCommonFields common) {
        o.putNull("auto_mapping");
        common.putBaseModel(o);
        o.put("bias", "none");
        PeftConfigFields.putNumber(o, "d_initial", dInitial);
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_weights", true);
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        common.putModulesToSave(o);
        o.put("peft_type", "VERA");
        o.put("projection_prng_key", prngKey);
        o.put("r", rank);
        o.putNull("revision");
        o.put("save_projection", true);
        PeftConfigFields.putTargets(o, targets);
        common.putTaskType(o);
        o.put("vera_dropout", dropout);
    }

    /** {@code (x (d * A_s)^T) (b * B_s)^T}: LoRA's served form with the vectors folded into the sliced projections. */
    @Override
    public ServedLayer servedLayer(String module, int in, int out, Map<String, HostTensor> t, boolean bf16) {
        HostTensor lb = ThinFactors.tensor(module, t, VeraMethod.LAMBDA_B, out);
        HostTensor ld = ThinFactors.tensor(module, t, VeraMethod.LAMBDA_D, rank);
        HostTensor a = t.get(VeraMethod.A);
        HostTensor b = t.get(VeraMethod.B);
        if (a == null || b == null) {
            throw new IllegalArgumentException("no " + (a == null ? VeraMethod.A : VeraMethod.B) + " (VeRA's shared projection)");
        }
        if (a.rank() != 2 || a.shape()[0] != rank || a.shape()[1] < in || b.rank() != 2 || b.shape()[1] != rank || b.shape()[0] < out) {
            throw new LayerMismatchException("VeRA's projections " + a.shapeString() + " and " + b.shapeString() + " do not cover module '"
                    + module + "' (" + in + " -> " + out + ") at rank " + rank);
        }
        int inMax = (int) a.shape()[1];
        float[] inT = new float[rank * in];
        float[] outT = new float[rank * out];
        for (int k = 0; k < rank; k++) {
            for (int i = 0; i < in; i++) {
                inT[k * in + i] = ld.data()[k] * a.data()[k * inMax + i];
            }
            for (int o = 0; o < out; o++) {
                outT[k * out + o] = lb.data()[o] * b.data()[o * rank + k];
            }
        }
        return new ThinFactors(rank, in, out, Numbers.of(inT, bf16), Numbers.of(outT, bf16));
    }
}
