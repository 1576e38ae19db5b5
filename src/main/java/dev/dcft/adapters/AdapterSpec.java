package dev.dcft.adapters;

import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;

/** What to put on a model: a method and, for DCFT and LoRA, its configuration. */
public record AdapterSpec(Method method, DcftConfig dcft, LoraConfig lora) {
    public static AdapterSpec dcft(DcftConfig c) {
        return new AdapterSpec(Method.DCFT, c, null);
    }

    public static AdapterSpec lora(LoraConfig c) {
        return new AdapterSpec(Method.LORA, null, c);
    }

    public static AdapterSpec of(Method m) {
        if (m == Method.DCFT || m == Method.LORA) {
            throw new IllegalArgumentException(m + " needs a configuration");
        }
        return new AdapterSpec(m, null, null);
    }

    public TargetModules targets() {
        return method == Method.DCFT ? dcft.targets() : method == Method.LORA ? lora.targets() : null;
    }
}
