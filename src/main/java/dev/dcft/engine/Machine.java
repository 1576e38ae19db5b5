package dev.dcft.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a run or benchmark ran on, for its summary: the CPU's model name, its logical cores, and which
 * of the vector extensions that decide our speed it has (AVX2, AVX-512, native bf16), and the allocator's tuning. Read from
 * /proc/cpuinfo; elsewhere the model name is the JVM's view and the flags are empty.
 */
public final class Machine {
    private static final List<String> FLAGS = List.of("avx2", "avx512f", "avx512_bf16", "amx_bf16");

    private Machine() {
    }

    public static Map<String, Object> describe() {
        String model = System.getProperty("os.arch");
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.equals(System.getProperty("os.arch"))) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && flags.isEmpty()) {
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (FLAGS.contains(f)) {
                            flags.add(f);
                        }
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not Linux: the model name stays the architecture, no flags.
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu", model);
        out.put("logical_cores", Runtime.getRuntime().availableProcessors());
        out.put("flags", List.copyOf(flags));
        out.put("malloc", allocator());
        return out;
    }

    /**
     * The glibc allocator's tuning this process started with (the {@code dcft} launcher raises the mmap threshold:
     * BENCHMARKS.md, "The memory allocator"); step times of large shapes depend on it, so summaries record it.
     */
    public static String allocator() {
        String tunables = System.getenv("GLIBC_TUNABLES");
        return tunables == null || tunables.isBlank() ? "glibc default" : "GLIBC_TUNABLES=" + tunables;
    }
}
