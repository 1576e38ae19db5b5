package dev.dcft.adapters.dcft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import java.util.List;
import java.util.Set;

/** DCFT (SPEC): {@code --method dcft}, {@code "peft_type": "DCFT"} with PEFT's conventions for the rest of the file. */
public final class DcftMethod implements AdapterMethod {
    public static final DcftMethod INSTANCE = new DcftMethod();

    static final Set<String> PEFT_FIELDS = Set.of("kernel_size", "stride", "r", "alpha", "dropout", "init_weights", "target_modules");

    @Override
    public String name() {
        return "dcft";
    }

    @Override
    public String peftType() {
        return "DCFT";
    }

    @Override
    public String summary() {
        return "deconvolution in subspace (kernel d, stride t, rank r)";
    }

    @Override
    public List<MethodOption> options() {
        return List.of(
                MethodOption.value("kernel", "D", "DCFT kernel size d (default 8)."),
                MethodOption.value("stride", "T", "DCFT stride t, 1 <= t <= d (default d)."),
                MethodOption.value("rank", "R", "DCFT: subspace rank r (default 1)."),
                MethodOption.value("alpha", "ALPHA", "DCFT: scale numerator, the increment scaled by alpha/r (default 4)."),
                MethodOption.value("init", "INIT", "DCFT initialisation: gaussian (released code) or zero (Delta = 0 at start)."),
                MethodOption.value("adapter-dropout", "P", "Dropout on the adapter's input (default 0)."),
                MethodOption.value("gamma", "G", "DCFT: orthogonality regulariser weight (default 0.1; 0 disables)."),
                MethodOption.value("reg-form", "FORM", "DCFT: regulariser form, released (unit-norm, default) or paper (squared Frobenius)."));
    }

    @Override
    public double cpuLearningRate() {
        return 5e-3;
    }

    /** The released code scales by {@code lora_alpha / 8}, ours by {@code alpha / r}: the paper's alpha over 8 at r = 1. */
    @Override
    public MethodOptions paperOptions(double paperAlpha, double gamma) {
        return MethodOptions.empty().with("alpha", paperAlpha / 8).with("gamma", gamma);
    }

    @Override
    public MethodConfig configure(MethodOptions o, TargetModules targets) {
        PeftConfigFields.requireOwnOptions(this, o);
        int d = o.intValue("kernel", 8);
        return new DcftConfig(d, o.intValue("stride", d), o.intValue("rank", 1), o.doubleValue("alpha", DcftConfig.DEFAULT_ALPHA),
                DcftConfig.Init.parse(o.text("init", "gaussian")), o.doubleValue("adapter-dropout", 0), targets,
                o.doubleValue("gamma", DcftConfig.DEFAULT_GAMMA), OrthogonalRegularizer.Form.parse(o.text("reg-form", "released")));
    }

    @Override
    public MethodConfig readPeftConfig(JsonNode c, String keyPrefix) {
        PeftConfigFields.requireNumbers(c, "kernel_size", "r", "alpha");
        PeftConfigFields.refuseUnknown(c, PEFT_FIELDS);
        TargetModules targets = PeftConfigFields.targets(c);
        int d = c.get("kernel_size").asInt();
        return new DcftConfig(d, c.path("stride").asInt(d), c.get("r").asInt(), c.get("alpha").asDouble(),
                DcftConfig.Init.parse(c.path("init_weights").asText("gaussian")), c.path("dropout").asDouble(0), targets);
    }

    @Override
    public java.util.Map<String, String> benchKeys() {
        return java.util.Map.of("d", "kernel", "t", "stride", "r", "rank");
    }

    @Override
    public Set<String> tensorNames() {
        return Set.of("dcft_A.weight", "dcft_B.weight", "dcft_C.weight");
    }
}
