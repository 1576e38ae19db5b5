package dev.dcft.bench;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Method;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmarked way of training. {@code frozen}: head only, no backward pass through the encoder.
 * {@code floor}: head only, but the backward pass runs through every frozen layer down to the
 * embedding output (no weight gradients): what any method adapting all layers must pay.
 * {@code dcft-d8[-t4][-r2][-materialized]}, {@code lora-r8}, {@code full}.
 */
public record BenchMethod(String name, AdapterSpec spec, boolean floor, boolean materialized) {
    private static final Pattern DCFT = Pattern.compile("dcft-d(\\d+)(?:-t(\\d+))?(?:-r(\\d+))?(-materiali[sz]ed)?");
    private static final Pattern LORA = Pattern.compile("lora-r(\\d+)");

    public static BenchMethod parse(String name) {
        TargetModules all = TargetModules.names(TargetModules.ANY_ARCHITECTURE_DEFAULT);
        switch (name) {
            case "frozen" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.HEAD), false, false);
            }
            case "floor" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.HEAD), true, false);
            }
            case "full" -> {
                return new BenchMethod(name, AdapterSpec.of(Method.FULL), false, false);
            }
            default -> {
                Matcher d = DCFT.matcher(name);
                if (d.matches()) {
                    int k = Integer.parseInt(d.group(1));
                    int t = d.group(2) == null ? k : Integer.parseInt(d.group(2));
                    int r = d.group(3) == null ? 1 : Integer.parseInt(d.group(3));
                    return new BenchMethod(name, AdapterSpec.dcft(new DcftConfig(k, t, r, DcftConfig.DEFAULT_ALPHA,
                            DcftConfig.Init.GAUSSIAN, 0, all)), false, d.group(4) != null);
                }
                Matcher l = LORA.matcher(name);
                if (l.matches()) {
                    int r = Integer.parseInt(l.group(1));
                    return new BenchMethod(name, AdapterSpec.lora(new LoraConfig(r, 2.0 * r, 0, all)), false, false);
                }
                throw new IllegalArgumentException("unknown benchmark method '" + name
                        + "' (frozen, floor, full, dcft-d<K>[-t<T>][-r<R>][-materialized], lora-r<R>)");
            }
        }
    }
}
