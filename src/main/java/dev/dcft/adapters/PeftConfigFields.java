package dev.dcft.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reading and writing the fields of PEFT's {@code adapter_config.json} that methods share. */
public final class PeftConfigFields {
    /** Fields every adapter file may carry whatever its method: metadata, and dcft-java's label names. */
    public static final Set<String> COMMON = Set.of("peft_type", "base_model_name_or_path", "modules_to_save", "task_type", "inference_mode",
            "revision", "peft_version", "auto_mapping", "id2label", "label2id", "problem_type");

    private PeftConfigFields() {
    }

    /** Integral values as integers (PEFT writes {@code "lora_alpha": 16}), others as they are. */
    public static void putNumber(ObjectNode o, String field, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            o.put(field, (long) v);
        } else {
            o.put(field, v);
        }
    }

    public static void putTargets(ObjectNode o, TargetModules t) {
        if (t.isRegex()) {
            o.put("target_modules", t.pattern());
        } else {
            ArrayNode a = o.putArray("target_modules");
            t.nameList().forEach(a::add);
        }
    }

    /** {@code target_modules}, a list of suffixes or a regular expression. */
    public static TargetModules targets(JsonNode c) {
        JsonNode t = c.get("target_modules");
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException("missing field 'target_modules'");
        }
        return t.isTextual() ? TargetModules.regex(t.asText()) : TargetModules.names(strings(t));
    }

    /**
     * {@code targets} narrowed by PEFT's {@code layers_to_transform} (an index or a list) with
     * {@code layers_pattern}, and carrying {@code modules_to_save}: the fields LoRA and VeRA read alike.
     */
    public static TargetModules layersAndSavedModules(JsonNode c, TargetModules targets) {
        JsonNode layers = c.get("layers_to_transform");
        if (layers != null && !layers.isNull() && !(layers.isArray() && layers.isEmpty())) {
            List<Integer> idx = new ArrayList<>();
            if (layers.isInt()) {
                idx.add(layers.asInt());
            } else {
                layers.forEach(n -> idx.add(n.asInt()));
            }
            JsonNode p = c.get("layers_pattern");
            List<String> pattern = p == null || p.isNull() ? List.of() : p.isTextual() ? List.of(p.asText()) : strings(p);
            targets = targets.onLayers(idx, pattern.stream().filter(s -> !s.isEmpty()).toList());
        }
        JsonNode save = c.get("modules_to_save");
        if (save != null && save.isArray() && !save.isEmpty()) {
            targets = targets.savingWhole(strings(save));
        }
        return targets;
    }

    public static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** null, false, {} or []: the value PEFT writes for an option that is off. */
    public static boolean isDefault(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isContainerNode() && v.isEmpty());
    }

    /** Refuses any field outside {@code known} and {@link #COMMON} whose value is not a default, by name. */
    public static void refuseUnknown(JsonNode c, Set<String> known) {
        c.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (!known.contains(e.getKey()) && !COMMON.contains(e.getKey()) && !isDefault(v)) {
                throw new IllegalArgumentException(c.path("peft_type").asText() + " option " + e.getKey() + "=" + v
                        + " is not supported: loading it would give a different model than the one that was trained");
            }
        });
    }

    /** Each of {@code fields} is present and a number. */
    public static void requireNumbers(JsonNode c, String... fields) {
        for (String f : fields) {
            if (!c.hasNonNull(f) || !c.get(f).isNumber()) {
                throw new IllegalArgumentException("missing or non-numeric field '" + f + "'");
            }
        }
    }

    /** Refuses options in {@code given} that {@code method} does not read, naming the methods that do. */
    public static void requireOwnOptions(AdapterMethod method, MethodOptions given) {
        Set<String> own = new java.util.HashSet<>();
        method.options().forEach(o -> own.add(o.name()));
        for (String n : given.names()) {
            if (!own.contains(n)) {
                String readers = AdapterMethods.readersOf(n);
                throw new IllegalArgumentException("--" + n + (readers.isEmpty() ? " is not an adapter option"
                        : " goes with --method " + readers.replace(", ", " or ")) + ", not " + method.name());
            }
        }
    }
}
