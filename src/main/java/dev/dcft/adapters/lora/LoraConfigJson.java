package dev.dcft.adapters.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PEFT's {@code LoraConfig} fields in {@code adapter_config.json}: every field is honoured (changes
 * the arithmetic and we do the same), accepted (changes nothing once trained) or refused by name
 * when it is not at its default, so an adapter never loads as a silently different model. The
 * README's table "LoRA adapter files" lists the same three sets.
 */
public final class LoraConfigJson {
    private LoraConfigJson() {
    }

    /** Fields that change the arithmetic, read and applied as PEFT applies them. */
    public static final Set<String> HONOURED = Set.of("r", "lora_alpha", "target_modules", "exclude_modules", "layers_to_transform",
            "layers_pattern", "rank_pattern", "alpha_pattern", "use_rslora", "bias", "lora_bias", "fan_in_fan_out", "modules_to_save",
            "use_dora", "init_lora_weights");
    /** Fields that do not change a trained adapter's outputs (metadata, training-time dropout, configs of inits never run here). */
    public static final Set<String> ACCEPTED = Set.of("peft_type", "task_type", "auto_mapping", "peft_version", "base_model_name_or_path",
            "revision", "inference_mode", "lora_dropout", "megatron_core", "qalora_group_size", "ensure_weight_tying", "eva_config",
            "loftq_config", "corda_config", "lora_ga_config",
            // dcft-java's own additions: the head's label names.
            "id2label", "label2id", "problem_type");
    /** Fields whose non-default values need machinery we do not have: refused by name. */
    public static final Set<String> REFUSED = Set.of("megatron_config", "trainable_token_indices", "layer_replication",
            "target_parameters", "alora_invocation_tokens", "use_qalora", "arrow_config", "kasa_config", "use_bdlora", "velora_config",
            "monteclora_config");
    /**
     * {@code init_lora_weights} values that leave the base weights alone. PiSSA, CorDA, OLoRA, LoftQ,
     * LoRA-GA and MiCA rewrite the base weight when PEFT builds the layer, so their adapters only
     * reproduce PEFT's model on that rewritten base: refused.
     */
    static final Set<String> BASE_PRESERVING_INITS = Set.of("true", "false", "gaussian", "eva", "orthogonal");

    /** A LoRA config from PEFT's JSON; {@code keyPrefix} is the base's path inside the model PEFT wrapped ("" or "bert."). */
    public static LoraConfig parse(JsonNode c, String keyPrefix) {
        List<String> refused = new ArrayList<>();
        c.fields().forEachRemaining(e -> {
            String k = e.getKey();
            if (HONOURED.contains(k) || ACCEPTED.contains(k)) {
                return;
            }
            if (!PeftConfigFields.isDefault(e.getValue())) {
                refused.add(k + "=" + e.getValue());
            }
        });
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("LoRA option " + String.join(", ", refused) + " is not supported"
                    + (REFUSED.contains(refused.get(0).substring(0, refused.get(0).indexOf('='))) ? "" : " (unknown to this reader)")
                    + ": loading it would give a different model than PEFT's");
        }
        if (c.path("use_dora").asBoolean(false)) {
            // DoRA's files are read by the DoRA method (adapters/dora), which clears the flag before handing the rest here.
            throw new IllegalArgumentException("LoRA option use_dora=true is DoRA's: reading it as plain LoRA would give a different"
                    + " model than PEFT's");
        }
        JsonNode init = c.get("init_lora_weights");
        if (init != null && !init.isNull() && !BASE_PRESERVING_INITS.contains(init.asText().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("LoRA option init_lora_weights=" + init + " is not supported: PEFT rewrites the base"
                    + " weights with that initialisation, so the adapter is only right on the rewritten base");
        }
        String bias = c.path("bias").asText("none");
        if (!Set.of("none", "all", "lora_only").contains(bias)) {
            throw new IllegalArgumentException("LoRA option bias=" + c.get("bias") + " is not one of none, all, lora_only");
        }
        if (!c.hasNonNull("r") || !c.get("r").isNumber() || !c.hasNonNull("lora_alpha") || !c.get("lora_alpha").isNumber()) {
            throw new IllegalArgumentException("missing or non-numeric field '" + (c.path("r").isNumber() ? "lora_alpha" : "r") + "'");
        }
        TargetModules targets = targets(c).withKeyPrefix(keyPrefix);
        boolean rslora = c.path("use_rslora").asBoolean(false);
        return new LoraConfig(c.get("r").asInt(), c.get("lora_alpha").asDouble(), c.path("lora_dropout").asDouble(0), targets, rslora,
                intPattern(c.path("rank_pattern")), doublePattern(c.path("alpha_pattern")), bias, c.path("lora_bias").asBoolean(false));
    }

    private static TargetModules targets(JsonNode c) {
        if (c.path("target_modules").asText("").equalsIgnoreCase("all-linear")) {
            // PEFT expands it by the wrapped model's class (which linear is the output layer): name the modules instead.
            throw new IllegalArgumentException("LoRA option target_modules=\"all-linear\" is not supported: list the modules");
        }
        TargetModules targets = PeftConfigFields.targets(c);
        JsonNode ex = c.get("exclude_modules");
        if (ex != null && !ex.isNull()) {
            targets = ex.isTextual() ? targets.excludingRegex(ex.asText()) : targets.excluding(PeftConfigFields.strings(ex));
        }
        return PeftConfigFields.layersAndSavedModules(c, targets);
    }

    private static Map<String, Integer> intPattern(JsonNode o) {
        Map<String, Integer> m = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
        return m;
    }

    private static Map<String, Double> doublePattern(JsonNode o) {
        Map<String, Double> m = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
        return m;
    }
}
