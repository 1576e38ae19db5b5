package dev.dcft.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the frozen base is stored and multiplied. {@code BF16}: frozen linear and embedding weights
 * in bfloat16 (half the memory), their products in bfloat16 with float32 results; LayerNorm,
 * softmax, attention, the adapters, the heads, the loss and AdamW stay float32. {@code AUTO}
 * picks BF16 only where the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16): elsewhere
 * libtorch emulates it, several times slower than float32 (measured in BENCHMARKS.md).
 */
public enum Precision {
    FP32, BF16, AUTO;

    /** What {@link #AUTO} resolved to, and why. */
    public record Choice(Precision precision, String reason) {
        public boolean bf16() {
            return precision == BF16;
        }
    }

    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + s + "': expected fp32, bf16 or auto");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** FP32 or BF16; AUTO decided from the CPU's flags. */
    public Choice resolve() {
        if (this != AUTO) {
            return new Choice(this, "requested");
        }
        Set<String> native16 = nativeBf16Flags();
        if (!native16.isEmpty()) {
            return new Choice(BF16, "auto: the CPU multiplies bfloat16 natively (" + String.join(", ", native16) + ")");
        }
        return new Choice(FP32, "auto: this CPU has no AVX512-BF16 or AMX-BF16, so bfloat16 products would be emulated"
                + " (slower than float32)");
    }

    /** The CPU flags among {@code avx512_bf16}, {@code amx_bf16} that /proc/cpuinfo lists (empty elsewhere). */
    public static Set<String> nativeBf16Flags() {
        Set<String> found = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (f.equals("avx512_bf16") || f.equals("amx_bf16")) {
                            found.add(f);
                        }
                    }
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            return found;
        }
        return found;
    }
}
