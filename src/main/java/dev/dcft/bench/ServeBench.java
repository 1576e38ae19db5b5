package dev.dcft.bench;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.data.GlueTask;
import dev.dcft.model.LoadedModel;
import dev.dcft.serve.DcftServer;
import dev.dcft.train.TaskModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load generator on loopback against {@code dcft serve}: a fixed number of requests from
 * a fixed number of concurrent clients, per mode, modes interleaved round by round. Modes: one
 * DCFT d=8 adapter merged into its base (only its head runs per request), the same adapter
 * unmerged, and 100 / 1,000 distinct adapters (perturbed copies, each with its own numbers) picked
 * uniformly at random per request. Then the memory of 10,000 loaded adapters.
 */
public final class ServeBench {
    private static final List<String> TEXTS = List.of("the film is a charming and often affecting journey",
            "it is a dull, lifeless exercise in style over substance", "an enjoyable ride with a few too many detours",
            "the acting is fine but the script never finds its footing", "a masterpiece of quiet observation and wit",
            "i left the theater wondering why anyone made this", "sharp, funny and surprisingly moving",
            "the plot collapses under its own weight halfway through");

    /** One mode's throughput and latency per round. */
    public record Mode(String name, int adapters, List<Double> inputsPerSecond, List<Double> p50Ms, List<Double> p99Ms) {
    }

    public record Result(List<Mode> modes, int loadedForMemory, double heapMbPerThousand, double heapMbTotal, double rssMbTotal,
            long numbersPerAdapter) {
    }

    private ServeBench() {
    }

    public static Result run(BenchSetup setup, List<Integer> mixes, int requests, int concurrency, int inputsPerRequest, int rounds,
            int memoryAdapters, int maxBatch, long maxWaitMs, boolean bf16Adapters) throws Exception {
        Path dir = Files.createTempDirectory("dcft-bench-serve");
        // The product's default, DCFT d=8 t=8 r=1, on BERT's six matrices per layer.
        AdapterSpec spec = AdapterSpec.of(AdapterMethods.forName("dcft", MethodOptions.empty()).configure(MethodOptions.empty(),
                TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));
        LoadedModel mergedBase = setup.load();
        TaskModel template = new TaskModel(mergedBase, spec, GlueTask.SST2.spec(), 0, 7);
        template.saveAdapter(dir.resolve("t"), mergedBase.name());
        Adapters.mergeAndUnload(mergedBase.model());
        DcftServer.Options o = new DcftServer.Options("127.0.0.1", 0, maxBatch, maxWaitMs, 4096, 64, 1 << 20, concurrency + 8, 600_000,
                bf16Adapters);
        try (DcftServer merged = DcftServer.start(mergedBase, null, o, l -> { });
                DcftServer server = DcftServer.start(setup.load(), null, o, l -> { })) {
            merged.registerMerged("t", dir.resolve("t"));
            server.load("t", dir.resolve("t"));
            int most = mixes.stream().mapToInt(Integer::intValue).max().orElse(1);
            server.registerCopies("t", most, 11);
            List<Mode> modes = new ArrayList<>();
            modes.add(new Mode("merged, 1 adapter", 1, new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            modes.add(new Mode("unmerged, 1 adapter", 1, new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            for (int m : mixes) {
                modes.add(new Mode("unmerged, " + m + " adapters mixed", m, new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int round = -1; round < rounds; round++) {
                for (int i = 0; i < modes.size(); i++) {
                    Mode m = modes.get(i);
                    DcftServer target = i == 0 ? merged : server;
                    List<String> names = new ArrayList<>();
                    if (i <= 1) {
                        names.add("t");
                    } else {
                        for (int k = 0; k < m.adapters(); k++) {
                            names.add("t-" + k);
                        }
                    }
                    // Round -1 warms the engine and the connections up; it is not reported.
                    double[] r = load(client, target.port(), names, round < 0 ? Math.max(concurrency, requests / 4) : requests, concurrency,
                            inputsPerRequest, 1000L * round + i);
                    if (round >= 0) {
                        m.inputsPerSecond().add(r[0]);
                        m.p50Ms().add(r[1]);
                        m.p99Ms().add(r[2]);
                    }
                }
            }
            // Memory: heap (after collection) and RSS before and after loading memoryAdapters more.
            server.unloadAll("t-");
            double heap0 = heapMb();
            double rss0 = PeakMemory.rssMb();
            server.registerCopies("t", memoryAdapters, 12);
            double heap1 = heapMb();
            double rss1 = PeakMemory.rssMb();
            long numbers = server.adapterNumbers() / (memoryAdapters + 1);
            return new Result(modes, memoryAdapters, (heap1 - heap0) / memoryAdapters * 1000, heap1 - heap0, rss1 - rss0, numbers);
        }
    }

    private static double heapMb() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    /** {inputs per second, p50 ms, p99 ms} for {@code requests} requests from {@code concurrency} clients. */
    private static double[] load(HttpClient client, int port, List<String> adapters, int requests, int concurrency, int inputs, long seed)
            throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/v1/predict");
        AtomicInteger next = new AtomicInteger();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            SplittableRandom rng = new SplittableRandom(seed * 1000 + c);
            clients.add(pool.submit(() -> {
                while (next.getAndIncrement() < requests) {
                    StringBuilder body = new StringBuilder("{\"adapter\": \"").append(adapters.get(rng.nextInt(adapters.size()))).append("\", \"inputs\": [");
                    for (int k = 0; k < inputs; k++) {
                        body.append(k == 0 ? "" : ", ").append('"').append(TEXTS.get(rng.nextInt(TEXTS.size()))).append('"');
                    }
                    body.append("]}");
                    long s = System.nanoTime();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IOException("status " + r.statusCode() + ": " + r.body());
                    }
                    latencies.add((System.nanoTime() - s) / 1e6);
                }
                return null;
            }));
        }
        for (Future<?> f : clients) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new double[] {requests * (double) inputs / seconds, percentile(sorted, 0.5), percentile(sorted, 0.99)};
    }

    private static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** Per mode: median over rounds, and the median over rounds of the ratio to the merged mode's throughput. */
    public static Map<String, double[]> summary(Result r) {
        Map<String, double[]> out = new LinkedHashMap<>();
        List<Double> base = r.modes().get(0).inputsPerSecond();
        for (Mode m : r.modes()) {
            out.put(m.name(), new double[] {Stats.of(m.inputsPerSecond()).median(), Stats.pairedRatio(m.inputsPerSecond(), base),
                    Stats.of(m.p50Ms()).median(), Stats.of(m.p99Ms()).median()});
        }
        return out;
    }
}
