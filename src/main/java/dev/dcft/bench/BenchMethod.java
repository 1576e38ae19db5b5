package dev.dcft.bench;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Method;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
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
        if (name.endsWith(BF16_SUFFIX)) {
            BenchMethod m = parse0(name.substring(0, name.length() - BF16_SUFFIX.length()));
            if (m.spec().method() == Method.FULL) {
                throw new IllegalArgumentException("full:bf16: full fine-tuning trains every base weight, so there is no frozen base to store in bf16");
            }
            return new BenchMethod(name, m.spec(), m.floor(), m.materialized(), Precision.BF16);
        }
        return parse0(name);
    }

    private static final Pattern DCFT = Pattern.compile("dcft-d(\\d+)(?:-t(\\d+))?(?:-r(\\d+))?(-materiali[sz]ed)?");
    private static final Pattern LORA = Pattern.compile("lora-r(\\d+)");

    private static BenchMethod parse0(String name) {
        TargetModules all = TargetModules.names(dev.dcft.model.Architectures.anyTargetModules());
        switch (name) {
            case "frozen" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.HEAD), false, false, Precision.FP32);
            }
            case "floor" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.HEAD), true, false, Precision.FP32);
            }
            case "full" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.FULL), false, false, Precision.FP32);
            }
            default -> {
                Matcher d = DCFT.matcher(name);
                if (d.matches()) {
                    int k = Integer.parseInt(d.group(1));
                    int t = d.group(2) == null ? k : Integer.parseInt(d.group(2));
                    int r = d.group(3) == null ? 1 : Integer.parseInt(d.group(3));
                    return new BenchMethod(name, AdapterSpec.dcft(new DcftConfig(k, t, r, DcftConfig.DEFAULT_ALPHA,
                            DcftConfig.Init.GAUSSIAN, 0, all)), false, d.group(4) != null, Precision.FP32);
                }
                Matcher l = LORA.matcher(name);
                if (l.matches()) {
                    int r = Integer.parseInt(l.group(1));
                    return new BenchMethod(name, AdapterSpec.lora(new LoraConfig(r, 2.0 * r, 0, all)), false, false, Precision.FP32);
                }
                throw new IllegalArgumentException("unknown benchmark method '" + name
                        + "' (frozen, floor, full, dcft-d<K>[-t<T>][-r<R>][-materialized], lora-r<R>; any but full with a :bf16 suffix)");
            }
        }
    }
}
