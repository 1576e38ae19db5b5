package dev.dcft.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.dcft.DcftMethod;
import dev.dcft.adapters.dora.DoraMethod;
import dev.dcft.adapters.lora.LoraMethod;
import dev.dcft.adapters.vera.VeraMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The registered adapter methods: the one place a method is listed (as PEFT's
 * {@code register_peft_method}). Order matters where methods share a name or a {@code peft_type}:
 * a variant ({@link AdapterMethod#selects}) is listed before its base.
 */
public final class AdapterMethods {
    private static final List<AdapterMethod> ALL = List.of(
            DcftMethod.INSTANCE,
            DoraMethod.INSTANCE,
            LoraMethod.INSTANCE,
            VeraMethod.INSTANCE);

    private static final Pattern TENSORS = Pattern.compile("(.*\\.)?(" + ALL.stream().flatMap(m -> m.tensorNames().stream())
            .distinct().map(Pattern::quote).collect(Collectors.joining("|")) + ")");

    private AdapterMethods() {
    }

    public static List<AdapterMethod> all() {
        return ALL;
    }

    /** The distinct method names, in registration order ({@code dcft, lora}). */
    public static List<String> names() {
        return ALL.stream().map(AdapterMethod::name).distinct().toList();
    }

    public static boolean isAdapterMethod(String name) {
        return names().contains(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** The method {@code --method name} with these options chooses. */
    public static AdapterMethod forName(String name, MethodOptions given) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        for (AdapterMethod m : ALL) {
            if (m.name().equals(n) && m.selects(given)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "' (" + String.join(", ", names()) + ", head, full)");
    }

    /** The method whose file {@code c} is, by {@code peft_type}; null when none reads it. */
    public static AdapterMethod forPeftConfig(JsonNode c) {
        for (AdapterMethod m : ALL) {
            if (m.reads(c)) {
                return m;
            }
        }
        return null;
    }

    /** Every option of every method, once by name (the methods' distinct descriptions joined), for the CLI and the API. */
    public static List<MethodOption> options() {
        Map<String, MethodOption> out = new LinkedHashMap<>();
        for (AdapterMethod m : ALL) {
            for (MethodOption o : m.options()) {
                MethodOption had = out.get(o.name());
                out.put(o.name(), had == null ? o : had.description().contains(o.description()) ? had
                        : new MethodOption(had.name(), had.label(), had.description() + " " + o.description(), had.kind()));
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Which methods read option {@code name} ("dcft, lora"). */
    public static String readersOf(String name) {
        return ALL.stream().filter(m -> m.options().stream().anyMatch(o -> o.name().equals(name))).map(AdapterMethod::name).distinct()
                .collect(Collectors.joining(", "));
    }

    /** The peft_type values we read ("DCFT, LORA"). */
    public static Set<String> peftTypes() {
        return ALL.stream().map(AdapterMethod::peftType).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** Whether a tensor name ({@code ...query.dcft_A.weight}) belongs to an adapter rather than a base or head. */
    public static boolean isAdapterTensor(String name) {
        return TENSORS.matcher(name).matches();
    }

    /** Whether {@code name} is a tensor some method's layers share ({@link AdapterMethod#sharedTensorNames}). */
    public static boolean isSharedTensor(String name) {
        return ALL.stream().anyMatch(m -> m.sharedTensorNames().contains(name));
    }

    /** The module path of adapter tensor key {@code key} ({@code <module>.lora_A.weight}, {@code <module>.lora_B.bias}). */
    public static String moduleOf(String key) {
        for (AdapterMethod m : ALL) {
            for (String t : m.tensorNames()) {
                if (key.endsWith("." + t)) {
                    return key.substring(0, key.length() - t.length() - 1);
                }
            }
        }
        throw new IllegalArgumentException("'" + key + "' is not an adapter tensor");
    }
}
