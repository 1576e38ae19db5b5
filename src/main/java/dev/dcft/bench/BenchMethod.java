package dev.dcft.bench;

import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.TargetModules;
import dev.dcft.engine.Precision;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmarked way of training. {@code frozen}: head only, no backward pass through the encoder.
 * {@code floor}: head only, but the backward pass runs through every frozen layer down to the
 * embedding output (no weight gradients): what any method adapting all layers must pay.
 * {@code dcft-d8[-t4][-r2][-materialized]}, {@code lora-r8}, {@code full}. A {@code :bf16} suffix
 * (any method but {@code full}) runs it with the frozen base stored and multiplied in bfloat16.
 */
public record BenchMethod(String name, AdapterSpec spec, boolean floor, boolean materialized, Precision precision) {
    public static final String BF16_SUFFIX = ":bf16";

    /** The same method's name without the precision suffix ({@code floor:bf16} -> {@code floor}). */
    public String baseName() {
        return name.endsWith(BF16_SUFFIX) ? name.substring(0, name.length() - BF16_SUFFIX.length()) : name;
    }

    /** The name of the method of this precision called {@code method} ({@code floor} -> {@code floor:bf16} for bf16). */
    public String samePrecision(String method) {
        return precision == Precision.BF16 ? method + BF16_SUFFIX : method;
    }

    public static BenchMethod parse(String name) {
        return parse(name, TargetModules.names(dev.dcft.model.Architectures.anyTargetModules()));
    }

    /** As {@link #parse(String)}, the adapter on {@code targets} (a decoder's projections, say). */
    public static BenchMethod parse(String name, TargetModules targets) {
        if (name.endsWith(BF16_SUFFIX)) {
            BenchMethod m = parse0(name.substring(0, name.length() - BF16_SUFFIX.length()), targets);
            if (m.spec().isFull()) {
                throw new IllegalArgumentException("full:bf16: full fine-tuning trains every base weight, so there is no frozen base to store in bf16");
            }
            return new BenchMethod(name, m.spec(), m.floor(), m.materialized(), Precision.BF16);
        }
        return parse0(name, targets);
    }

    private static final Pattern TOKEN = Pattern.compile("([a-z]+)(\\d+)");

    /**
     * {@code <method>[-<key><number>]...[-<flag>]...[-materialized]}: the key letters are the
     * method's {@link AdapterMethod#benchKeys} ({@code dcft-d8-t4-r2}, {@code lora-r8}), a flag one
     * of its options ({@code lora-r8-dora}); other options take the method's defaults.
     */
    private static BenchMethod parse0(String name, TargetModules all) {
        switch (name) {
            case "frozen" -> {
                return new BenchMethod(name, AdapterSpec.headOnly(), false, false, Precision.FP32);
            }
            case "floor" -> {
                return new BenchMethod(name, AdapterSpec.headOnly(), true, false, Precision.FP32);
            }
            case "full" -> {
                return new BenchMethod(name, AdapterSpec.full(), false, false, Precision.FP32);
            }
            default -> {
                String[] parts = name.split("-");
                if (!AdapterMethods.isAdapterMethod(parts[0])) {
                    throw unknown(name);
                }
                MethodOptions o = MethodOptions.empty();
                boolean materialized = false;
                for (int i = 1; i < parts.length; i++) {
                    Matcher t = TOKEN.matcher(parts[i]);
                    if (parts[i].equals("materialized") || parts[i].equals("materialised")) {
                        materialized = true;
                    } else if (t.matches() && keyOf(parts[0], t.group(1)) != null) {
                        o = o.with(keyOf(parts[0], t.group(1)), Integer.parseInt(t.group(2)));
                    } else if (isFlag(parts[0], parts[i])) {
                        o = o.with(parts[i], true);
                    } else {
                        throw unknown(name);
                    }
                }
                AdapterMethod m = AdapterMethods.forName(parts[0], o);
                return new BenchMethod(name, AdapterSpec.of(m.configure(o, all)), false, materialized, Precision.FP32);
            }
        }
    }

    private static String keyOf(String method, String letters) {
        for (AdapterMethod m : AdapterMethods.all()) {
            if (m.name().equals(method) && m.benchKeys().containsKey(letters)) {
                return m.benchKeys().get(letters);
            }
        }
        return null;
    }

    private static boolean isFlag(String method, String token) {
        return AdapterMethods.all().stream().filter(m -> m.name().equals(method))
                .anyMatch(m -> m.options().stream().anyMatch(o -> o.kind() == MethodOption.Kind.FLAG && o.name().equals(token)));
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown benchmark method '" + name + "' (frozen, floor, full, or an adapter method with"
                + " its options: dcft-d<K>[-t<T>][-r<R>][-materialized], lora-r<R>; any but full with a :bf16 suffix)");
    }
}
