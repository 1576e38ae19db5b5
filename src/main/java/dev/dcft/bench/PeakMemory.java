package dev.dcft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set size (Linux VmHWM), the JVM heap and native tensors together. */
public final class PeakMemory {
    private PeakMemory() {
    }

    public static double peakRssMb() {
        return statusMb("VmHWM:");
    }

    /** The resident set size now (Linux VmRSS). */
    public static double rssMb() {
        return statusMb("VmRSS:");
    }

    private static double statusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
