package dev.dcft.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** Counters and histograms in Prometheus' text exposition format ({@code GET /metrics}). */
final class ServeMetrics {
    private static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchInputs = new Histogram(BATCH_BUCKETS);
    private final Histogram batchRequests = new Histogram(BATCH_BUCKETS);
    private final IntSupplier queueDepth;
    private final IntSupplier adapters;

    ServeMetrics(IntSupplier queueDepth, IntSupplier adapters) {
        this.queueDepth = queueDepth;
        this.adapters = adapters;
    }

    void observeRequest(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(endpoint + "|" + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    void observeBatch(int inputs, int requestCount) {
        batchInputs.observe(inputs);
        batchRequests.observe(requestCount);
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP dcft_requests_total HTTP requests by endpoint and status code.\n# TYPE dcft_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] p = k.split("\\|");
            sb.append("dcft_requests_total{endpoint=\"").append(p[0]).append("\",code=\"").append(p[1]).append("\"} ").append(v.sum()).append('\n');
        });
        sb.append("# HELP dcft_request_duration_seconds Time from request received to response written.\n");
        sb.append("# TYPE dcft_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((k, h) -> h.render(sb, "dcft_request_duration_seconds", "endpoint=\"" + k + "\","));
        sb.append("# HELP dcft_batch_inputs Inputs per forward pass.\n# TYPE dcft_batch_inputs histogram\n");
        batchInputs.render(sb, "dcft_batch_inputs", "");
        sb.append("# HELP dcft_batch_requests Requests per forward pass.\n# TYPE dcft_batch_requests histogram\n");
        batchRequests.render(sb, "dcft_batch_requests", "");
        sb.append("# HELP dcft_queue_depth Requests waiting for a batch.\n# TYPE dcft_queue_depth gauge\n");
        sb.append("dcft_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        sb.append("# HELP dcft_adapters_loaded Adapters loaded.\n# TYPE dcft_adapters_loaded gauge\n");
        sb.append("dcft_adapters_loaded ").append(adapters.getAsInt()).append('\n');
        return sb.toString();
    }

    /** Cumulative buckets, sum and count. */
    private static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final LongAdder count = new LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i].increment();
                }
            }
            count.increment();
            sum.add(v);
        }

        void render(StringBuilder sb, String name, String labels) {
            for (int i = 0; i < bounds.length; i++) {
                sb.append(name).append("_bucket{").append(labels).append("le=\"").append(fmt(bounds[i])).append("\"} ")
                        .append(counts[i].sum()).append('\n');
            }
            sb.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
            String l = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
            sb.append(name).append("_sum").append(l).append(' ').append(String.format(Locale.ROOT, "%.6f", sum.sum())).append('\n');
            sb.append(name).append("_count").append(l).append(' ').append(count.sum()).append('\n');
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
