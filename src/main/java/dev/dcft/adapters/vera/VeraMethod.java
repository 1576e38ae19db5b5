package dev.dcft.adapters.vera;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * VeRA, vector-based random matrix adaptation (Kopiczko et al. 2024), as PEFT runs it: {@code --method vera},
 * {@code "peft_type": "VERA"}. Every adapted layer shares two frozen random matrices, {@code vera_A}
 * {@code (r x in_max)} and {@code vera_B} {@code (out_max x r)}, saved once in the file (PEFT's
 * {@code save_projection}); each layer trains two vectors, {@code vera_lambda_d} (r) and
 * {@code vera_lambda_b} (out): {@code W0 + diag(b) B diag(d) A}, B and A sliced to the layer's shape.
 */
public final class VeraMethod implements AdapterMethod {
    public static final VeraMethod INSTANCE = new VeraMethod();
    static final String A = "vera_A";
    static final String B = "vera_B";
    static final String LAMBDA_B = "vera_lambda_b";
    static final String LAMBDA_D = "vera_lambda_d";

    /** Fields that change the arithmetic, read and applied as PEFT applies them (save_projection must be true). */
    public static final Set<String> HONOURED = Set.of("r", "target_modules", "layers_to_transform", "layers_pattern", "modules_to_save",
            "save_projection", "bias", "fan_in_fan_out");
    /** Fields that do not change a trained adapter's outputs: initialisation, the projections' seed (they are in the file), dropout. */
    public static final Set<String> ACCEPTED = Set.of("vera_dropout", "d_initial", "projection_prng_key", "init_weights");
    private static final Set<String> KNOWN = java.util.stream.Stream.concat(HONOURED.stream(), ACCEPTED.stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    @Override
    public String name() {
        return "vera";
    }

    @Override
    public String peftType() {
        return "VERA";
    }

    @Override
    public String summary() {
        return "shared frozen random projections, two trained vectors per layer (rank r)";
    }

    @Override
    public List<MethodOption> options() {
        return List.of(
                MethodOption.value("rank", "R", "VeRA: rank r of the shared random projections (default 256)."),
                MethodOption.value("adapter-dropout", "P", "Dropout on the adapter's input (default 0)."),
                MethodOption.value("d-initial", "D", "VeRA: initial value of every lambda_d (default 0.1; lambda_b starts at 0)."),
                MethodOption.value("projection-prng-key", "SEED", "VeRA: seed of the shared random projections (default 0)."));
    }

    @Override
    public double cpuLearningRate() {
        return 5e-3;
    }

    @Override
    public MethodConfig configure(MethodOptions o, TargetModules targets) {
        PeftConfigFields.requireOwnOptions(this, o);
        return new VeraConfig(o.intValue("rank", 256), o.doubleValue("d-initial", 0.1), o.doubleValue("adapter-dropout", 0),
                o.intValue("projection-prng-key", 0), targets, null);
    }

    @Override
    public MethodConfig readPeftConfig(JsonNode c, String keyPrefix) {
        PeftConfigFields.refuseUnknown(c, KNOWN);
        if (!c.path("save_projection").asBoolean(true)) {
            throw new IllegalArgumentException("VeRA option save_projection=false is not supported: the file lacks vera_A and vera_B,"
                    + " which PEFT draws again with torch's generator");
        }
        if (!c.path("bias").asText("none").equals("none")) {
            throw new IllegalArgumentException("VeRA option bias=" + c.get("bias") + " is not supported (none only)");
        }
        PeftConfigFields.requireNumbers(c, "r");
        TargetModules targets = PeftConfigFields.layersAndSavedModules(c, PeftConfigFields.targets(c).withKeyPrefix(keyPrefix));
        return new VeraConfig(c.get("r").asInt(), c.path("d_initial").asDouble(0.1), c.path("vera_dropout").asDouble(0),
                c.path("projection_prng_key").asInt(0), targets, null);
    }

    @Override
    public Map<String, String> benchKeys() {
        return Map.of("r", "rank");
    }

    @Override
    public Set<String> sharedTensorNames() {
        return Set.of(A, B);
    }

    @Override
    public Set<String> tensorNames() {
        // PEFT stores the vectors as plain parameters (no ".weight"); ours are Weight modules in the tree.
        return Set.of(LAMBDA_B, LAMBDA_B + ".weight", LAMBDA_D, LAMBDA_D + ".weight");
    }
}
