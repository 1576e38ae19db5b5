package dev.dcft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Self time per operator from a PyTorch profiler trace (Chrome trace format, as written by the
 * engine's profiler). An event's self time is its duration minus that of the events nested in it
 * on the same thread, so a backward node and the matrix product it calls are not counted twice.
 */
public final class OpProfile {
    /** One operator: total self time and number of calls. */
    public record Op(String name, double selfMs, int calls) {
    }

    private static final Comparator<Op> LARGEST_FIRST = Comparator.comparingDouble(Op::selfMs).reversed().thenComparing(Op::name);

    private final Map<String, Op> ops;

    private OpProfile(Map<String, Op> ops) {
        this.ops = ops;
    }

    public static OpProfile read(Path trace) throws IOException {
        JsonNode root = new ObjectMapper().readTree(trace.toFile());
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<String, List<double[]>> byThread = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText()) || !e.has("dur")) {
                continue;
            }
            names.add(e.path("name").asText());
            byThread.computeIfAbsent(e.path("tid").asText(), k -> new ArrayList<>())
                    .add(new double[] {e.path("ts").asDouble(), e.path("dur").asDouble(), names.size() - 1});
        }
        double[] self = new double[names.size()];
        for (List<double[]> threadEvents : byThread.values()) {
            // Outer events first at equal start, so every event's parent is on the stack when it arrives.
            threadEvents.sort(Comparator.<double[]>comparingDouble(v -> v[0]).thenComparingDouble(v -> -v[1]));
            Deque<double[]> open = new ArrayDeque<>();
            for (double[] ev : threadEvents) {
                while (!open.isEmpty() && open.peek()[0] + open.peek()[1] <= ev[0]) {
                    open.pop();
                }
                if (!open.isEmpty()) {
                    self[(int) open.peek()[2]] -= ev[1];
                }
                self[(int) ev[2]] += ev[1];
                open.push(ev);
            }
        }
        Map<String, double[]> sums = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            double[] s = sums.computeIfAbsent(names.get(i), k -> new double[2]);
            s[0] += self[i] / 1000;
            s[1]++;
        }
        Map<String, Op> ops = new LinkedHashMap<>();
        sums.entrySet().stream().map(e -> new Op(e.getKey(), e.getValue()[0], (int) e.getValue()[1])).sorted(LARGEST_FIRST)
                .forEach(o -> ops.put(o.name(), o));
        return new OpProfile(ops);
    }

    /**
     * Each operator's least self time over several profiles of the same work (its calls from the
     * first that has it): a step that ran in a slow phase of the machine does not count against it.
     */
    public static OpProfile leastOf(List<OpProfile> profiles) {
        Map<String, Op> least = new HashMap<>();
        for (OpProfile p : profiles) {
            for (Op o : p.ops.values()) {
                least.merge(o.name(), o, (a, b) -> b.selfMs() < a.selfMs() ? new Op(a.name(), b.selfMs(), a.calls()) : a);
            }
        }
        Map<String, Op> ops = new LinkedHashMap<>();
        least.values().stream().sorted(LARGEST_FIRST).forEach(o -> ops.put(o.name(), o));
        return new OpProfile(ops);
    }

    /** Operators by decreasing self time. */
    public List<Op> top(int n) {
        return ops.values().stream().limit(n).toList();
    }

    public double totalMs() {
        return ops.values().stream().mapToDouble(Op::selfMs).sum();
    }

    /** Self time and calls of this profile minus {@code base}'s, largest increase first. */
    public List<Op> minus(OpProfile base, int n) {
        Map<String, Op> diff = new HashMap<>();
        for (Op o : ops.values()) {
            Op b = base.ops.get(o.name());
            diff.put(o.name(), b == null ? o : new Op(o.name(), o.selfMs() - b.selfMs(), o.calls() - b.calls()));
        }
        for (Op b : base.ops.values()) {
            diff.putIfAbsent(b.name(), new Op(b.name(), -b.selfMs(), -b.calls()));
        }
        return diff.values().stream().sorted(LARGEST_FIRST).limit(n).toList();
    }
}
