package dev.dcft.adapters.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** LoRA as PEFT defines it: {@code --method lora}, {@code "peft_type": "LORA"}, PEFT's file exactly. */
public final class LoraMethod implements AdapterMethod {
    public static final LoraMethod INSTANCE = new LoraMethod();

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
        return "low-rank adaptation (rank r, alpha)";
    }

    @Override
    public List<MethodOption> options() {
        return List.of(
                MethodOption.value("rank", "R", "LoRA: rank r (default 8)."),
                MethodOption.value("alpha", "ALPHA", "LoRA: lora_alpha, the increment scaled by alpha/r (default 16)."),
                MethodOption.value("adapter-dropout", "P", "Dropout on the adapter's input (default 0)."),
                MethodOption.flag("rslora", "LoRA: scale by alpha/sqrt(rank) (rank-stabilised LoRA, PEFT's use_rslora)."),
                MethodOption.map("rank-pattern", "LoRA: per-module ranks as PEFT's rank_pattern, e.g. query=4,layer.11.output.dense=2"
                        + " (a key is a regular expression matched at the end of the module path)."),
                MethodOption.map("alpha-pattern", "LoRA: per-module alphas as PEFT's alpha_pattern (same keys)."));
    }

    @Override
    public double cpuLearningRate() {
        return 1e-3;
    }

    @Override
    public MethodConfig configure(MethodOptions o, TargetModules targets) {
        PeftConfigFields.requireOwnOptions(this, o);
        Map<String, Integer> ranks = new LinkedHashMap<>();
        o.map("rank-pattern").forEach((k, v) -> ranks.put(k, MethodOptions.parseInt("rank-pattern", v)));
        Map<String, Double> alphas = new LinkedHashMap<>();
        o.map("alpha-pattern").forEach((k, v) -> alphas.put(k, MethodOptions.parseNumber("alpha-pattern", v)));
        return new LoraConfig(o.intValue("rank", 8), o.doubleValue("alpha", 16), o.doubleValue("adapter-dropout", 0), targets,
                o.flag("rslora"), ranks, alphas, "none", false);
    }

    @Override
    public MethodConfig readPeftConfig(JsonNode c, String keyPrefix) {
        return LoraConfigJson.parse(c, keyPrefix);
    }

    @Override
    public java.util.Map<String, String> benchKeys() {
        return java.util.Map.of("r", "rank");
    }

    @Override
    public Set<String> tensorNames() {
        return Set.of("lora_A.weight", "lora_B.weight", "lora_B.bias");
    }
}
