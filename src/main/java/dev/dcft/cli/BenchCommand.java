package dev.dcft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.bench.BenchMethod;
import dev.dcft.bench.BenchSetup;
import dev.dcft.bench.DecoderBench;
import dev.dcft.bench.InferenceBench;
import dev.dcft.bench.LayerBench;
import dev.dcft.bench.OpProfile;
import dev.dcft.bench.PeakMemory;
import dev.dcft.bench.ServeBench;
import dev.dcft.bench.Stats;
import dev.dcft.bench.TrainingStepBench;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.model.LoadedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", sortOptions = false, description = {
        "Time complete training steps (forward, loss, backward, AdamW) of each method on one random batch,"
                + " methods interleaved round-robin; ratios (median over rounds of back-to-back steps) to 'frozen' (head only) and 'floor' (backward through every"
                + " frozen layer, no weight gradients); inference latency of base, merged and unmerged adapters."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "minilm-l6", description = "Embedded model or directory. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--shape", description = "A random encoder LAYERS,HIDDEN,FFN,HEADS instead of --model (e.g. 12,768,3072,12).")
    String shape;

    @Option(names = "--decoder-shape", paramLabel = "L,H,FFN,HEADS,KV,VOCAB", description = "A random Qwen2-layout decoder instead"
            + " (Qwen2.5-0.5B: 24,896,4864,14,2,151936): training steps with next-token loss, all seven projections adapted,"
            + " then greedy generation speed of the base and each adapter unmerged.")
    String decoderShape;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "--decoder-shape: prompt length for generation. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "--decoder-shape: tokens generated per round (0: no generation)."
            + " Default: ${DEFAULT-VALUE}.")
    int newTokens;

    @Option(names = "--batch", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int seq;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps per method. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed steps per method first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--methods", split = ",", defaultValue = "frozen,floor,dcft-d2,dcft-d8,dcft-d8-materialized,lora-r1,lora-r8,full",
            description = "Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--isolate", description = "Run each method in its own process and report its peak resident memory.")
    boolean isolate;

    @Option(names = "--no-inference", description = "Skip the inference latency comparison.")
    boolean noInference;

    @Option(names = "--layers", description = "Also run the per-layer micro-benchmark (768x768 and 768x3072).")
    boolean layers;

    @Option(names = "--profile", paramLabel = "DIR", description = "After timing, profile 3 more steps of each method:"
            + " write DIR/<method>.<k>.trace.json (Chrome traces: chrome://tracing or ui.perfetto.dev) and report, from each"
            + " operator's least self time over the 3, the operators with the most self time and each method's largest"
            + " increases over 'floor'.")
    Path profile;

    @Option(names = "--memory", description = "Also load the base alone, in fp32 and in bf16, each in its own process: the"
            + " process's peak resident memory and how much loading the base added to it.")
    boolean memory;

    @Option(names = "--serve", description = "Benchmark 'dcft serve' instead: a load generator on loopback; throughput and p50/p99"
            + " latency of one DCFT d=8 adapter merged, the same unmerged, and --serve-mixes distinct adapters mixed uniformly;"
            + " then the memory of --memory-adapters loaded adapters.")
    boolean serve;

    @Option(names = "--serve-mixes", split = ",", defaultValue = "100,1000", description = "Default: ${DEFAULT-VALUE}.")
    List<Integer> serveMixes;

    @Option(names = "--requests", defaultValue = "256", description = "--serve: requests per mode and round. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--concurrency", defaultValue = "32", description = "--serve: concurrent clients. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--inputs-per-request", defaultValue = "1", description = "--serve. Default: ${DEFAULT-VALUE}.")
    int inputsPerRequest;

    @Option(names = "--rounds", defaultValue = "3", description = "--serve: rounds, modes interleaved in each; --decoder-shape: generation rounds. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--memory-adapters", defaultValue = "10000", description = "--serve. Default: ${DEFAULT-VALUE}.")
    int memoryAdapters;

    @Option(names = "--max-batch", defaultValue = "64", description = "--serve: the server's batch size. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", description = "--serve: the server's batching wait. Default: ${DEFAULT-VALUE}.")
    long maxWaitMs;

    @Option(names = "--adapter-storage", defaultValue = "fp32", description = "--serve: fp32 or bf16, as dcft serve. Default: ${DEFAULT-VALUE}.")
    String adapterStorage;

    @Option(names = "--load-only", hidden = true, description = "Internal (--memory): load the base in this precision, report memory, exit.")
    String loadOnly;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || seq < 2 || steps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch >= 1, --seq >= 2, --steps >= 1 and --warmup >= 0 are required");
        }
        int[] dims = null;
        if (shape != null) {
            String[] p = shape.split(",");
            if (p.length != 4) {
                throw new IllegalArgumentException("--shape is LAYERS,HIDDEN,FFN,HEADS, got '" + shape + "'");
            }
            dims = new int[4];
            for (int i = 0; i < 4; i++) {
                dims[i] = Integer.parseInt(p[i].trim());
            }
        }
        if (profile != null && isolate) {
            throw new IllegalArgumentException("--profile and --isolate cannot be combined");
        }
        if (decoderShape != null) {
            return decoderBench(DecoderBench.Shape.parse(decoderShape));
        }
        if (serve) {
            return serveBench(new BenchSetup(model, dims, batch, seq, steps, warmup));
        }
        if (loadOnly != null) {
            return reportLoadMemory(new BenchSetup(model, dims, batch, seq, steps, warmup), Precision.parse(loadOnly));
        }
        List<BenchMethod> parsed = methods.stream().map(BenchMethod::parse).toList();
        Map<String, BenchMethod> byName = new LinkedHashMap<>();
        parsed.forEach(m -> byName.put(m.name(), m));
        if (profile != null) {
            Files.createDirectories(profile);
        }
        BenchSetup setup = new BenchSetup(model, dims, batch, seq, steps, warmup);
        PrintWriter err = spec.commandLine().getErr();
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = header(mapper, setup.modelName());
        o.put("isolated", isolate);
        ObjectNode out = o.putObject("methods");
        Map<String, double[]> rows = new LinkedHashMap<>();
        Map<String, List<Path>> traces = new LinkedHashMap<>();
        Map<String, List<Double>> rounds = new LinkedHashMap<>();
        Map<String, List<Double>> gemm = Map.of();
        double floorFlops = Double.NaN;
        if (isolate) {
            for (BenchMethod m : parsed) {
                JsonNode child = runIsolated(m.name());
                JsonNode r = child.get("methods").get(m.name());
                rows.put(m.name(), new double[] {r.get("step_ms_median").asDouble(), r.get("step_ms_min").asDouble(),
                        r.get("step_ms_max").asDouble(), r.get("trainable_params").asDouble(), r.get("peak_rss_mb").asDouble()});
            }
        } else {
            TrainingStepBench.Run run = TrainingStepBench.run(setup, parsed, json ? null : err, profile);
            gemm = run.gemmGflops();
            floorFlops = run.floorStepFlops();
            for (TrainingStepBench.Result r : run.results()) {
                rows.put(r.method(), new double[] {r.stepMs().median(), r.stepMs().min(), r.stepMs().max(), r.trainable(),
                        parsed.size() == 1 ? PeakMemory.peakRssMb() : Double.NaN});
                rounds.put(r.method(), r.roundMs());
                if (!r.traces().isEmpty()) {
                    traces.put(r.method(), r.traces());
                }
            }
        }
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            double[] v = e.getValue();
            BenchMethod method = byName.get(e.getKey());
            // A bf16 method is compared with the bf16 floor (and frozen) when the run has them.
            String frozenRef = rows.containsKey(method.samePrecision("frozen")) ? method.samePrecision("frozen") : "frozen";
            String floorRef = rows.containsKey(method.samePrecision("floor")) ? method.samePrecision("floor") : "floor";
            double frozen = rows.containsKey(frozenRef) ? rows.get(frozenRef)[0] : Double.NaN;
            double floor = rows.containsKey(floorRef) ? rows.get(floorRef)[0] : Double.NaN;
            ObjectNode m = out.putObject(e.getKey());
            m.put("step_ms_median", round(v[0]));
            m.put("step_ms_min", round(v[1]));
            m.put("step_ms_max", round(v[2]));
            m.put("tokens_per_s", round(batch * (double) seq / (v[0] / 1000)));
            putRatio(m, "ratio_to_frozen", ratio(rounds, e.getKey(), frozenRef, v[0] / frozen));
            putRatio(m, "ratio_to_floor", ratio(rounds, e.getKey(), floorRef, v[0] / floor));
            if (method.precision() == Precision.BF16) {
                m.put("precision", "bf16");
                m.put("ratio_to_floor_of", floorRef);
                if (rows.containsKey(method.baseName())) {
                    putRatio(m, "ratio_to_fp32", ratio(rounds, e.getKey(), method.baseName(), v[0] / rows.get(method.baseName())[0]));
                }
            }
            // A variant beside its base in the same run (lora-r8-dora and lora-r8, dcft-d8-materialized and dcft-d8): paired too.
            int dash = method.baseName().lastIndexOf('-');
            String variantOf = dash > 0 ? method.samePrecision(method.baseName().substring(0, dash)) : null;
            if (variantOf != null && rows.containsKey(variantOf)) {
                m.put("variant_of", variantOf);
                putRatio(m, "ratio_to_variant_of", ratio(rounds, e.getKey(), variantOf, v[0] / rows.get(variantOf)[0]));
            }
            m.put("trainable_params", (long) v[3]);
            if (!Double.isNaN(v[4])) {
                m.put("peak_rss_mb", round(v[4]));
            }
        }
        putGemmRates(o, gemm, floorFlops, rounds, byName);
        if (!traces.isEmpty()) {
            putProfiles(o.putObject("profile"), traces);
        }
        if (!noInference && !isolate) {
            boolean anyBf16 = parsed.stream().anyMatch(m -> m.precision() == Precision.BF16);
            Map<Precision, InferenceBench.Result> inf = InferenceBench.run(setup,
                    anyBf16 ? List.of(Precision.FP32, Precision.BF16) : List.of(Precision.FP32));
            for (Map.Entry<Precision, InferenceBench.Result> e : inf.entrySet()) {
                InferenceBench.Result r = e.getValue();
                ObjectNode i = o.putObject(e.getKey() == Precision.FP32 ? "inference" : "inference_bf16");
                i.put("base_ms_median", round(Stats.of(r.base()).median()));
                i.put("unmerged_ms_median", round(Stats.of(r.unmerged()).median()));
                i.put("merged_ms_median", round(Stats.of(r.merged()).median()));
                i.put("merged_to_base", round(r.mergedToBase()));
                i.put("unmerged_to_base", round(r.unmergedToBase()));
                if (e.getKey() == Precision.BF16) {
                    InferenceBench.Result f = inf.get(Precision.FP32);
                    i.put("base_bf16_to_fp32", round(Stats.pairedRatio(r.base(), f.base())));
                    i.put("merged_bf16_to_fp32", round(Stats.pairedRatio(r.merged(), f.merged())));
                    i.put("unmerged_bf16_to_fp32", round(Stats.pairedRatio(r.unmerged(), f.unmerged())));
                }
            }
        }
        if (memory) {
            ObjectNode mem = o.putObject("memory");
            for (Precision p : List.of(Precision.FP32, Precision.BF16)) {
                mem.set(p.label(), runChild(List.of("--load-only", p.label()), "loading the base in " + p.label()));
            }
            mem.put("base_bf16_to_fp32", round(mem.get("bf16").get("base_mb").asDouble() / mem.get("fp32").get("base_mb").asDouble()));
            mem.put("peak_bf16_to_fp32", round(mem.get("bf16").get("peak_rss_mb").asDouble() / mem.get("fp32").get("peak_rss_mb").asDouble()));
        }
        if (layers) {
            ObjectNode l = o.putObject("layers");
            for (LayerBench.Result r : LayerBench.run(batch * seq, new int[][] {{768, 768}, {768, 3072}}, steps, warmup)) {
                ObjectNode s = l.has(r.shape()) ? (ObjectNode) l.get(r.shape()) : l.putObject(r.shape());
                ObjectNode v = s.putObject(r.variant());
                v.put("forward_ms_median", round(r.forwardMs().median()));
                v.put("forward_backward_ms_median", round(r.forwardBackwardMs().median()));
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            printTable(stdout, o);
        }
        return 0;
    }

    /**
     * Per precision of a floor method: the matrix-product rate alone (median over rounds) and the floor step's
     * arithmetic rate, its FLOPs over its step time; their ratio is paired round by round (the product was timed right
     * after each round's steps).
     */
    private void putGemmRates(ObjectNode o, Map<String, List<Double>> gemm, double floorFlops, Map<String, List<Double>> rounds,
            Map<String, BenchMethod> byName) {
        if (gemm.isEmpty()) {
            return;
        }
        ObjectNode g = o.putObject("gemm");
        for (Map.Entry<String, List<Double>> e : gemm.entrySet()) {
            String floorName = byName.values().stream().filter(m -> m.floor() && m.precision().label().equals(e.getKey()))
                    .findFirst().orElseThrow().name();
            List<Double> floorMs = rounds.get(floorName);
            List<Double> fraction = new ArrayList<>();
            for (int i = 0; i < Math.min(floorMs.size(), e.getValue().size()); i++) {
                fraction.add(floorFlops / (floorMs.get(i) * 1e6) / e.getValue().get(i));
            }
            ObjectNode p = g.putObject(e.getKey());
            p.put("product", "[" + (long) batch * seq + ", hidden] x [hidden, ffn]");
            p.put("gemm_gflops_median", round(Stats.of(e.getValue()).median()));
            ArrayNode perRound = p.putArray("gemm_gflops_rounds");
            e.getValue().forEach(v -> perRound.add(round(v)));
            p.put("floor_method", floorName);
            p.put("floor_step_gflop", round(floorFlops / 1e9));
            p.put("floor_gflops_median", round(floorFlops / (Stats.of(floorMs).median() * 1e6)));
            p.put("floor_to_gemm_rate", round(Stats.of(fraction).median()));
        }
    }

    private static final int PROFILE_ROWS = 12;

    private static void putProfiles(ObjectNode node, Map<String, List<Path>> traces) throws IOException {
        Map<String, OpProfile> profiles = new LinkedHashMap<>();
        for (Map.Entry<String, List<Path>> e : traces.entrySet()) {
            List<OpProfile> steps = new ArrayList<>();
            for (Path trace : e.getValue()) {
                steps.add(OpProfile.read(trace));
            }
            profiles.put(e.getKey(), OpProfile.leastOf(steps));
        }
        OpProfile floor = profiles.get("floor");
        for (Map.Entry<String, OpProfile> e : profiles.entrySet()) {
            ObjectNode m = node.putObject(e.getKey());
            ArrayNode files = m.putArray("traces");
            traces.get(e.getKey()).forEach(t -> files.add(t.toString()));
            m.put("self_ms_total", round(e.getValue().totalMs()));
            putOps(m.putArray("top_ops"), e.getValue().top(PROFILE_ROWS));
            if (floor != null && !e.getKey().equals("floor")) {
                putOps(m.putArray("increase_over_floor"), e.getValue().minus(floor, PROFILE_ROWS));
            }
        }
    }

    private static void putOps(ArrayNode array, List<OpProfile.Op> ops) {
        for (OpProfile.Op op : ops) {
            ObjectNode n = array.addObject();
            n.put("op", op.name());
            n.put("self_ms", round(op.selfMs()));
            n.put("calls", op.calls());
        }
    }

    /** What every training-step bench JSON starts with: the model, batch, threads, machine and step counts. */
    private ObjectNode header(ObjectMapper mapper, String modelName) {
        ObjectNode o = mapper.createObjectNode();
        o.put("model", modelName);
        o.put("batch", batch);
        o.put("seq", seq);
        o.put("threads", Engines.threads());
        o.set("machine", mapper.valueToTree(dev.dcft.engine.Machine.describe()));
        o.put("steps", steps);
        o.put("warmup", warmup);
        return o;
    }

    private Integer decoderBench(DecoderBench.Shape shape) throws Exception {
        if (promptTokens < 1 || newTokens < 0) {
            throw new IllegalArgumentException("--prompt-tokens >= 1 and --new-tokens >= 0 are required");
        }
        List<BenchMethod> parsed = methods.stream().map(m -> BenchMethod.parse(m, DecoderBench.targets())).toList();
        if (parsed.stream().anyMatch(m -> m.spec().isFull() || (!m.floor() && !m.spec().hasAdapters()))) {
            throw new IllegalArgumentException("--decoder-shape benchmarks floor and adapter methods (frozen and full have no decoder form here)");
        }
        List<DecoderBench.Result> results = DecoderBench.run(shape, parsed, batch, seq, steps, warmup, promptTokens, newTokens, rounds,
                json ? null : spec.commandLine().getErr());
        Map<String, DecoderBench.Result> byName = new LinkedHashMap<>();
        results.forEach(r -> byName.put(r.method(), r));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = header(mapper, "random decoder " + shape + " (layers, hidden, ffn, heads, kv heads, vocab)");
        o.put("adapted", String.join(",", DecoderBench.ALL_PROJECTIONS));
        o.put("prompt_tokens", promptTokens);
        o.put("new_tokens", newTokens);
        o.put("generation_rounds", newTokens > 0 ? rounds : 0);
        ObjectNode out = o.putObject("methods");
        for (BenchMethod method : parsed) {
            DecoderBench.Result r = byName.get(method.name());
            DecoderBench.Result floor = byName.get(method.samePrecision("floor"));
            Stats s = Stats.of(r.stepMs());
            ObjectNode m = out.putObject(method.name());
            m.put("precision", method.precision().label());
            m.put("step_ms_median", round(s.median()));
            m.put("step_ms_min", round(s.min()));
            m.put("step_ms_max", round(s.max()));
            m.put("tokens_per_s", round(batch * (double) seq / (s.median() / 1000)));
            putRatio(m, "ratio_to_floor", floor == null ? Double.NaN : Stats.pairedRatio(r.stepMs(), floor.stepMs()));
            m.put("trainable_params", r.trainable());
            if (!r.generationTokensPerS().isEmpty()) {
                m.put("generation_tokens_per_s_median", round(Stats.of(r.generationTokensPerS()).median()));
                // The floor's model is the bare base: an adapter's generation speed over the base's, paired by round.
                putRatio(m, "generation_to_base", floor == null ? Double.NaN
                        : Stats.pairedRatio(r.generationTokensPerS(), floor.generationTokensPerS()));
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            stdout.printf("%s, batch %d x seq %d, %d threads, %d timed steps after %d warm-up%n", o.get("model").asText(), batch, seq,
                    Engines.threads(), steps, warmup);
            stdout.printf("%-16s %12s %9s %12s %14s %10s%n", "method", "step ms", "/floor", "trainable", "gen tok/s", "gen /base");
            out.fields().forEachRemaining(e -> {
                JsonNode n = e.getValue();
                stdout.printf("%-16s %12.1f %9s %,12d %14s %10s%n", e.getKey(), n.get("step_ms_median").asDouble(), ratio(n.get("ratio_to_floor")),
                        n.get("trainable_params").asLong(), n.has("generation_tokens_per_s_median")
                                ? String.format("%.2f", n.get("generation_tokens_per_s_median").asDouble()) : "-",
                        ratio(n.get("generation_to_base")));
            });
        }
        return 0;
    }

    private Integer serveBench(BenchSetup setup) throws Exception {
        if (requests < 1 || concurrency < 1 || inputsPerRequest < 1 || rounds < 1 || memoryAdapters < 1) {
            throw new IllegalArgumentException("--requests, --concurrency, --inputs-per-request, --rounds and --memory-adapters must be >= 1");
        }
        ServeBench.Result r = ServeBench.run(setup, serveMixes, requests, concurrency, inputsPerRequest, rounds, memoryAdapters, maxBatch, maxWaitMs,
                adapterStorage.equals("bf16"));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("model", setup.modelName());
        o.put("threads", Engines.threads());
        o.set("machine", mapper.valueToTree(dev.dcft.engine.Machine.describe()));
        o.put("requests_per_mode_and_round", requests);
        o.put("concurrency", concurrency);
        o.put("inputs_per_request", inputsPerRequest);
        o.put("rounds", rounds);
        o.put("max_batch", maxBatch);
        o.put("max_wait_ms", maxWaitMs);
        o.put("adapter_storage", adapterStorage);
        ObjectNode modes = o.putObject("modes");
        for (Map.Entry<String, double[]> e : ServeBench.summary(r).entrySet()) {
            ObjectNode m = modes.putObject(e.getKey());
            m.put("inputs_per_s_median", round(e.getValue()[0]));
            m.put("throughput_to_merged", round(e.getValue()[1]));
            m.put("p50_ms", round(e.getValue()[2]));
            m.put("p99_ms", round(e.getValue()[3]));
        }
        ObjectNode mem = o.putObject("memory");
        mem.put("adapters_loaded", r.loadedForMemory());
        mem.put("numbers_per_adapter", r.numbersPerAdapter());
        mem.put("heap_mb_added", round(r.heapMbTotal()));
        mem.put("heap_mb_per_1000_adapters", round(r.heapMbPerThousand()));
        mem.put("rss_mb_added", round(r.rssMbTotal()));
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            stdout.printf("dcft serve on %s, %d threads: %d requests x %d input(s) per mode and round from %d clients, %d rounds, batch <= %d, wait %d ms%n",
                    setup.modelName(), Engines.threads(), requests, inputsPerRequest, concurrency, rounds, maxBatch, maxWaitMs);
            stdout.printf("%-34s %12s %12s %10s %10s%n", "mode", "inputs/s", "/ merged", "p50 ms", "p99 ms");
            modes.fields().forEachRemaining(e -> stdout.printf("%-34s %12.1f %12.3f %10.1f %10.1f%n", e.getKey(),
                    e.getValue().get("inputs_per_s_median").asDouble(), e.getValue().get("throughput_to_merged").asDouble(),
                    e.getValue().get("p50_ms").asDouble(), e.getValue().get("p99_ms").asDouble()));
            stdout.printf("memory: %,d adapters of %,d numbers add %.1f MB of heap (%.1f MB per 1,000), RSS +%.1f MB%n", r.loadedForMemory(),
                    r.numbersPerAdapter(), r.heapMbTotal(), r.heapMbPerThousand(), r.rssMbTotal());
        }
        return 0;
    }

    private JsonNode runIsolated(String method) throws Exception {
        return runChild(List.of("--no-inference", "--methods", method), "isolated run of " + method);
    }

    /**
     * The loaded base's memory in this (fresh) process: RSS before loading, the peak after, and the
     * difference, which is what the base itself costs (the JVM and libtorch are the same in both precisions).
     */
    private Integer reportLoadMemory(BenchSetup setup, Precision precision) throws IOException {
        Engines.configure(0);
        dev.dcft.engine.Bf16.load(); // the same engine state before loading, whichever the precision
        double before = PeakMemory.rssMb();
        try (LoadedModel m = setup.load(precision)) {
            System.gc();
            ObjectNode o = new ObjectMapper().createObjectNode();
            double peak = PeakMemory.peakRssMb();
            o.put("rss_before_mb", round(before));
            o.put("peak_rss_mb", round(peak));
            o.put("rss_loaded_mb", round(PeakMemory.rssMb()));
            o.put("base_mb", round(peak - before));
            spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }

    private JsonNode runChild(List<String> args, String what) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx8g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "dev.dcft.cli.Main", "--threads", Integer.toString(Engines.threads()), "bench", "--json",
                "--batch", Integer.toString(batch), "--seq", Integer.toString(seq), "--steps", Integer.toString(steps),
                "--warmup", Integer.toString(warmup)));
        cmd.addAll(args);
        if (shape != null) {
            cmd.addAll(List.of("--shape", shape));
        } else {
            cmd.addAll(List.of("--model", model));
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(what + " failed");
        }
        return new ObjectMapper().readTree(stdout);
    }

    /**
     * Interleaved in one process: the median of per-round ratios (steps run back to back), robust
     * to slow phases of the machine. Isolated processes have no rounds in common: ratio of medians.
     */
    private static double ratio(Map<String, List<Double>> rounds, String method, String reference, double ofMedians) {
        if (!rounds.containsKey(method) || !rounds.containsKey(reference)) {
            return ofMedians;
        }
        return Stats.pairedRatio(rounds.get(method), rounds.get(reference));
    }

    private static void putRatio(ObjectNode m, String field, double v) {
        if (Double.isNaN(v)) {
            m.putNull(field);
        } else {
            m.put(field, round(v));
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void printTable(PrintWriter out, ObjectNode o) {
        out.printf("%s, batch %d x seq %d, %d threads, %d timed steps after %d warm-up%n", o.get("model").asText(), o.get("batch").asInt(),
                o.get("seq").asInt(), o.get("threads").asInt(), o.get("steps").asInt(), o.get("warmup").asInt());
        out.printf("%-22s %12s %10s %10s %9s %9s %9s %12s%n", "method", "step ms", "min", "max", "tok/s", "/frozen", "/floor", "trainable");
        o.get("methods").fields().forEachRemaining(e -> {
            JsonNode m = e.getValue();
            out.printf("%-22s %12.1f %10.1f %10.1f %9.0f %9s %9s %,12d%s%n", e.getKey(), m.get("step_ms_median").asDouble(),
                    m.get("step_ms_min").asDouble(), m.get("step_ms_max").asDouble(), m.get("tokens_per_s").asDouble(),
                    ratio(m.get("ratio_to_frozen")), ratio(m.get("ratio_to_floor")), m.get("trainable_params").asLong(),
                    (m.has("peak_rss_mb") ? String.format("  peak RSS %.0f MB", m.get("peak_rss_mb").asDouble()) : "")
                    + (m.has("ratio_to_fp32") ? String.format("  /fp32 %s (/floor: vs %s)", ratio(m.get("ratio_to_fp32")),
                            m.get("ratio_to_floor_of").asText()) : ""));
        });
        if (o.has("gemm")) {
            o.get("gemm").fields().forEachRemaining(e -> out.printf(
                    "matrix products %s: %s alone %.0f GFLOP/s; %s: %.0f GFLOP a step at %.0f GFLOP/s = %.2f of it%n", e.getKey(),
                    e.getValue().get("product").asText(), e.getValue().get("gemm_gflops_median").asDouble(),
                    e.getValue().get("floor_method").asText(), e.getValue().get("floor_step_gflop").asDouble(),
                    e.getValue().get("floor_gflops_median").asDouble(), e.getValue().get("floor_to_gemm_rate").asDouble()));
        }
        if (o.has("inference")) {
            JsonNode i = o.get("inference");
            out.printf("inference: base %.1f ms, merged %.1f ms (x%.3f), unmerged %.1f ms (x%.3f)%n", i.get("base_ms_median").asDouble(),
                    i.get("merged_ms_median").asDouble(), i.get("merged_to_base").asDouble(), i.get("unmerged_ms_median").asDouble(),
                    i.get("unmerged_to_base").asDouble());
        }
        if (o.has("inference_bf16")) {
            JsonNode i = o.get("inference_bf16");
            out.printf("inference bf16: base %.1f ms (x%.3f of fp32), merged %.1f ms (x%.3f of fp32), unmerged %.1f ms (x%.3f of fp32)%n",
                    i.get("base_ms_median").asDouble(), i.get("base_bf16_to_fp32").asDouble(), i.get("merged_ms_median").asDouble(),
                    i.get("merged_bf16_to_fp32").asDouble(), i.get("unmerged_ms_median").asDouble(), i.get("unmerged_bf16_to_fp32").asDouble());
        }
        if (o.has("memory")) {
            JsonNode m = o.get("memory");
            for (String p : List.of("fp32", "bf16")) {
                out.printf("memory %s: RSS %.0f MB before loading, peak %.0f MB after: the base adds %.0f MB (RSS once loaded %.0f MB)%n", p,
                        m.get(p).get("rss_before_mb").asDouble(), m.get(p).get("peak_rss_mb").asDouble(), m.get(p).get("base_mb").asDouble(),
                        m.get(p).get("rss_loaded_mb").asDouble());
            }
            out.printf("memory bf16 / fp32: base %.3f, process peak %.3f%n", m.get("base_bf16_to_fp32").asDouble(),
                    m.get("peak_bf16_to_fp32").asDouble());
        }
        if (o.has("layers")) {
            o.get("layers").fields().forEachRemaining(s -> s.getValue().fields().forEachRemaining(v -> out.printf(
                    "layer %-9s %-22s forward %8.2f ms   forward+backward %8.2f ms%n", s.getKey(), v.getKey(),
                    v.getValue().get("forward_ms_median").asDouble(), v.getValue().get("forward_backward_ms_median").asDouble())));
        }
        if (o.has("profile")) {
            o.get("profile").fields().forEachRemaining(e -> {
                JsonNode m = e.getValue();
                out.printf("%nprofile of %s, each operator's least self time over %d steps: %.1f ms in all (%s)%n", e.getKey(),
                        m.get("traces").size(), m.get("self_ms_total").asDouble(), m.get("traces").get(0).asText().replaceAll("\\.1\\.trace\\.json$", ".*.trace.json"));
                printOps(out, "top operators", m.get("top_ops"));
                if (m.has("increase_over_floor")) {
                    printOps(out, "largest increases over floor", m.get("increase_over_floor"));
                }
            });
        }
    }

    private static void printOps(PrintWriter out, String title, JsonNode ops) {
        out.printf("  %-50s %10s %8s%n", title, "self ms", "calls");
        ops.forEach(op -> out.printf("  %-50s %10.1f %8d%n", op.get("op").asText(), op.get("self_ms").asDouble(), op.get("calls").asInt()));
    }

    private static String ratio(JsonNode n) {
        return n == null || n.isNull() ? "-" : String.format("%.3f", n.asDouble());
    }
}
