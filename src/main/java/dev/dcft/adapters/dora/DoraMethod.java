package dev.dcft.adapters.dora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.lora.LoraConfig;
import dev.dcft.adapters.lora.LoraConfigJson;
import dev.dcft.adapters.lora.LoraMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DoRA, weight-decomposed low-rank adaptation (Liu et al. 2024), as PEFT runs it: {@code --method lora
 * --dora}, a LoRA file with {@code "use_dora": true} and a trainable magnitude per output row,
 * {@code lora_magnitude_vector}. Every LoRA option applies; PEFT refuses {@code lora_bias} with DoRA, so do we.
 */
public final class DoraMethod implements AdapterMethod {
    public static final DoraMethod INSTANCE = new DoraMethod();
    static final String MAGNITUDE = "lora_magnitude_vector";

    @Override
    public String name() {
        return "lora";
    }

    @Override
    public String peftType() {
        return "LORA";
    }

    @Override
    public String summary() {
        return "with --dora, DoRA: LoRA's direction and a trainable magnitude per output row";
    }

    @Override
    public List<MethodOption> options() {
        List<MethodOption> o = new ArrayList<>(LoraMethod.INSTANCE.options());
        o.add(MethodOption.flag("dora", "LoRA: DoRA, weight-decomposed LoRA (PEFT's use_dora): a trainable magnitude per output row."));
        return o;
    }

    @Override
    public boolean selects(MethodOptions given) {
        return given.flag("dora");
    }

    @Override
    public double cpuLearningRate() {
        return LoraMethod.INSTANCE.cpuLearningRate();
    }

    @Override
    public MethodConfig configure(MethodOptions given, TargetModules targets) {
        PeftConfigFields.requireOwnOptions(this, given);
        return new DoraConfig((LoraConfig) LoraMethod.INSTANCE.configure(given.with("dora", null), targets));
    }

    @Override
    public boolean reads(JsonNode c) {
        return peftType().equals(c.path("peft_type").asText("")) && c.path("use_dora").asBoolean(false);
    }

    @Override
    public MethodConfig readPeftConfig(JsonNode c, String keyPrefix) {
        if (c.path("lora_bias").asBoolean(false)) {
            throw new IllegalArgumentException("LoRA option lora_bias=true with use_dora=true is not supported (PEFT refuses it too)");
        }
        ObjectNode plain = c.deepCopy();
        plain.put("use_dora", false); // the rest of the file is LoRA's, read by LoRA's own reader
        return new DoraConfig(LoraConfigJson.parse(plain, keyPrefix));
    }

    @Override
    public Map<String, String> benchKeys() {
        return Map.of("r", "rank");
    }

    @Override
    public Set<String> tensorNames() {
        // The magnitude is a plain parameter in PEFT's files (no ".weight"); ours is a Weight module in the tree.
        return Set.of("lora_A.weight", "lora_B.weight", MAGNITUDE, MAGNITUDE + ".weight");
    }
}
