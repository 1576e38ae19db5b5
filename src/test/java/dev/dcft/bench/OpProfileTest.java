package dev.dcft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Self times from a hand-written Chrome trace: nested events are subtracted from their parent, per thread. */
class OpProfileTest {
    @Test
    void selfTimeSubtractsNestedEventsOnTheSameThread(@TempDir Path dir) throws Exception {
        // Thread 1: backward [0, 100) holds mm [10, 70), which holds empty [20, 25); then add [100, 110).
        // Thread 2: mm [0, 40), overlapping thread 1 in time but not nested in anything.
        String trace = """
                {"traceEvents": [
                  {"name": "mm", "ph": "X", "ts": 10, "dur": 60, "tid": 1},
                  {"name": "backward", "ph": "X", "ts": 0, "dur": 100, "tid": 1},
                  {"name": "empty", "ph": "X", "ts": 20, "dur": 5, "tid": 1},
                  {"name": "add", "ph": "X", "ts": 100, "dur": 10, "tid": 1},
                  {"name": "mm", "ph": "X", "ts": 0, "dur": 40, "tid": 2},
                  {"name": "counter", "ph": "C", "ts": 0, "tid": 1}
                ]}""";
        Path file = dir.resolve("t.json");
        Files.writeString(file, trace);
        OpProfile p = OpProfile.read(file);
        // mm: (60 - 5) + 40 = 95 us; backward: 100 - 60 = 40; add 10; empty 5.
        assertEquals(List.of(new OpProfile.Op("mm", 0.095, 2), new OpProfile.Op("backward", 0.040, 1),
                new OpProfile.Op("add", 0.010, 1), new OpProfile.Op("empty", 0.005, 1)), rounded(p.top(10)));
        assertEquals(0.150, p.totalMs(), 1e-12);
    }

    @Test
    void increaseOverABaseProfile(@TempDir Path dir) throws Exception {
        Path a = trace(dir, "a.json", event("mm", 0, 50), event("mul", 60, 30));
        Path b = trace(dir, "b.json", event("mm", 0, 20), event("div", 30, 7));
        List<OpProfile.Op> diff = rounded(OpProfile.read(a).minus(OpProfile.read(b), 10));
        // Ties go by name.
        assertEquals(List.of(new OpProfile.Op("mm", 0.030, 0), new OpProfile.Op("mul", 0.030, 1), new OpProfile.Op("div", -0.007, -1)), diff);
    }

    /** A trace file holding {@code events} as a bare JSON array (the other form the profiler writes). */
    private static Path trace(Path dir, String file, String... events) throws java.io.IOException {
        return Files.writeString(dir.resolve(file), "[" + String.join(", ", events) + "]");
    }

    /** A complete event ("X") on thread 1, times in microseconds. */
    private static String event(String name, int ts, int dur) {
        return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur + ", \"tid\": 1}";
    }

    private static List<OpProfile.Op> rounded(List<OpProfile.Op> ops) {
        return ops.stream().map(o -> new OpProfile.Op(o.name(), Math.round(o.selfMs() * 1e6) / 1e6, o.calls())).toList();
    }

    @Test
    void leastOfTakesEachOperatorsSmallestSelfTime(@TempDir Path dir) throws Exception {
        OpProfile slow = OpProfile.read(trace(dir, "slow.json", event("mm", 0, 90), event("add", 100, 5)));
        OpProfile fast = OpProfile.read(trace(dir, "fast.json", event("mm", 0, 60), event("add", 70, 8)));
        OpProfile least = OpProfile.leastOf(List.of(slow, fast));
        assertEquals(List.of(new OpProfile.Op("mm", 0.060, 1), new OpProfile.Op("add", 0.005, 1)), rounded(least.top(10)));
    }
}
