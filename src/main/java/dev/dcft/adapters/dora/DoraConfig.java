package dev.dcft.adapters.dora;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftCommonFields;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.adapters.serving.ThinFactors;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.nn.Linear;
import java.util.Map;
import java.util.SplittableRandom;

/** DoRA: LoRA's configuration (rank, alpha, patterns, rsLoRA, ...) and a magnitude vector on every adapted layer. */
public record DoraConfig(LoraConfig lora) implements MethodConfig {
    @Override
    public AdapterMethod method() {
        return DoraMethod.INSTANCE;
    }

    @Override
    public TargetModules targets() {
        return lora.targets();
    }

    @Override
    public MethodConfig withTargets(TargetModules targets) {
        return new DoraConfig((LoraConfig) lora.withTargets(targets));
    }

    @Override
    public MethodOptions options() {
        return lora.options().with("dora", true);
    }

    @Override
    public String describe() {
        return String.format("DoRA r=%d", lora.rank());
    }

    @Override
    public AdapterLayer wrap(NDManager manager, String path, Linear base, SplittableRandom rng) {
        return new DoraLinear(manager, base, lora.rankFor(path), lora.scaleFor(path), lora.dropout(), rng);
    }

    /** LoRA's {@code r (in + out)} and the magnitude's {@code out}. */
    @Override
    public long parameterCount(AdaptableLinear layer) {
        return lora.parameterCount(layer) + layer.out();
    }

    @Override
    public void writePeftConfig(ObjectNode o, PeftCommonFields common) {
        lora.writePeftConfig(o, common);
        o.put("use_dora", true);
    }

    @Override
    public ServedLayer servedLayer(String module, int in, int out, Map<String, HostTensor> t, boolean bf16) {
        int r = lora.rankFor(module);
        HostTensor a = ThinFactors.tensor(module, t, "lora_A", r, in);
        HostTensor b = ThinFactors.tensor(module, t, "lora_B", out, r);
        HostTensor m = ThinFactors.tensor(module, t, DoraMethod.MAGNITUDE, out);
        double s = lora.scaleFor(module);
        return new DoraServedLayer(r, in, out, s, Numbers.of(a.data(), bf16), Numbers.of(b.data(), bf16), Numbers.of(m.data(), bf16));
    }

    @Override
    public String changesBase() {
        return lora.changesBase();
    }
}
