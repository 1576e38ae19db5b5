package dev.dcft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.TextTokenizer;
import dev.dcft.model.TokenBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code dcft serve}: one base model, any number of adapters, over HTTP/JSON. Built on the JDK's
 * own HTTP server ({@code com.sun.net.httpserver}, part of OpenJDK and maintained with it): no
 * dependency, no reflection, and the few routes here need nothing more.
 *
 * <pre>
 *   POST   /v1/predict          {"adapter": NAME, "inputs": [TEXT | [TEXT, TEXT], ...]} -> {"results": [...]}
 *   POST   /v1/embed            {"inputs": [...], "adapter"?: NAME}                     -> {"dim": H, "embeddings": [...]}
 *   GET    /v1/adapters         the loaded adapters
 *   PUT    /v1/adapters/{name}  {"path": DIR}: load (or replace) an adapter or run directory
 *   DELETE /v1/adapters/{name}  unload
 *   GET    /health, GET /metrics (Prometheus text)
 * </pre>
 * Errors: 400 malformed JSON or fields, 404 unknown adapter, 409 adapter for another base, 413 body
 * or input count over the limits, 429 (with Retry-After) when the queue is full, 503 while shutting down.
 */
public final class DcftServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** Limits and batching. */
    public record Options(String host, int port, int maxBatch, long maxWaitMs, int maxQueue, int maxInputs, long maxBodyBytes,
            int httpThreads, long requestTimeoutMs) {
        public static Options defaults() {
            return new Options("127.0.0.1", 8080, 64, 5, 256, 64, 1 << 20, 64, 60_000);
        }

        public Options withPort(int p) {
            return new Options(host, p, maxBatch, maxWaitMs, maxQueue, maxInputs, maxBodyBytes, httpThreads, requestTimeoutMs);
        }
    }

    private final ServingModel model;
    private final AdapterLoader loader;
    private final Map<String, ServedAdapter> adapters = new ConcurrentHashMap<>();
    private final ServeMetrics metrics;
    private final Batcher batcher;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Options options;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean stopping;

    private DcftServer(LoadedModel base, Options o) throws IOException {
        this.options = o;
        this.model = new ServingModel(base);
        this.loader = new AdapterLoader(model);
        java.util.concurrent.atomic.AtomicReference<Batcher> queue = new java.util.concurrent.atomic.AtomicReference<>();
        this.metrics = new ServeMetrics(() -> queue.get() == null ? 0 : queue.get().queueDepth(), adapters::size);
        this.batcher = new Batcher(model, metrics, o.maxQueue(), o.maxBatch(), o.maxWaitMs());
        queue.set(batcher);
        this.http = HttpServer.create(new InetSocketAddress(o.host(), o.port()), 256);
        this.executor = Executors.newFixedThreadPool(o.httpThreads(), r -> {
            Thread t = new Thread(r, "dcft-serve-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/v1/predict", ex -> handle(ex, "/v1/predict", this::predict));
        http.createContext("/v1/embed", ex -> handle(ex, "/v1/embed", this::embed));
        http.createContext("/v1/adapters", ex -> handle(ex, "/v1/adapters", this::adaptersEndpoint));
        http.createContext("/health", ex -> handle(ex, "/health", e -> {
            requireMethod(e, "GET");
            ObjectNode h = JSON.createObjectNode();
            h.put("status", stopping ? "shutting_down" : "ok");
            h.put("model", model.name());
            h.put("adapters", adapters.size());
            return new Reply(stopping ? 503 : 200, h);
        }));
        http.createContext("/metrics", ex -> handle(ex, "/metrics", e -> {
            requireMethod(e, "GET");
            return new Reply(200, metrics.render());
        }));
    }

    /**
     * Starts serving {@code base}; loads every adapter or run directory under {@code adaptersDir}
     * (null: none), each named by its directory name, reporting each to {@code log}.
     */
    public static DcftServer start(LoadedModel base, Path adaptersDir, Options o, Consumer<String> log) throws IOException {
        DcftServer s = new DcftServer(base, o);
        try {
            if (adaptersDir != null) {
                for (Map.Entry<String, Path> e : AdapterLoader.discover(adaptersDir).entrySet()) {
                    try {
                        s.load(e.getKey(), e.getValue());
                        log.accept("loaded adapter '" + e.getKey() + "' from " + e.getValue());
                    } catch (ServeException ex) {
                        log.accept("skipped " + e.getValue() + ": " + ex.getMessage());
                    }
                }
            }
            s.http.start();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Requests accepted into the queue and not yet answered (tests: shutdown with requests in flight). */
    int queued() {
        return queued.get();
    }

    public int adapterCount() {
        return adapters.size();
    }

    /** Loads (or replaces) adapter {@code name} from an adapter or run directory; true when it replaced one. */
    public boolean load(String name, Path dir) {
        if (!NAME.matcher(name).matches()) {
            throw new ServeException(400, "adapter names are 1-128 of A-Z a-z 0-9 . _ -, got '" + name + "'");
        }
        return adapters.put(name, loader.load(name, dir)) != null;
    }

    /** Numbers held on the heap by the loaded adapters (layers and heads). */
    public long adapterNumbers() {
        return adapters.values().stream().mapToLong(ServedAdapter::numbers).sum();
    }

    /**
     * Benchmarks: {@code count} more adapters named {@code template-0...}, each a copy of adapter
     * {@code template} with every number perturbed, so each holds its own arrays as a loaded one would.
     */
    public void registerCopies(String template, int count, long seed) {
        ServedAdapter t = adapter(template);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            Map<String, LayerWeights> layers = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, LayerWeights> e : t.layers().entrySet()) {
                LayerWeights w = e.getValue();
                layers.put(e.getKey(), w instanceof LayerWeights.Kronecker k
                        ? new LayerWeights.Kronecker(k.d(), k.r(), k.nIn(), k.nOut(), jitter(k.a(), rng), jitter(k.scaledB(), rng), jitter(k.c(), rng))
                        : copy((LayerWeights.Factors) w, rng));
            }
            String name = template + "-" + i;
            adapters.put(name, new ServedAdapter(name, t.source(), t.spec(), t.task(), t.pairsKnown(), t.maxLength(), layers,
                    jitter(t.classifierWeight(), rng), jitter(t.classifierBias(), rng),
                    t.poolerWeight() == null ? null : jitter(t.poolerWeight(), rng), t.poolerBias() == null ? null : jitter(t.poolerBias(), rng)));
        }
    }

    private static LayerWeights copy(LayerWeights.Factors f, java.util.SplittableRandom rng) {
        return new LayerWeights.Factors(f.m(), f.in(), f.out(), jitter(f.inT(), rng), jitter(f.scaledOutT(), rng));
    }

    private static float[] jitter(float[] v, java.util.SplittableRandom rng) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * (float) (0.5 + rng.nextDouble());
        }
        return out;
    }

    /** Unloads every adapter whose name starts with {@code prefix} (benchmarks). */
    public void unloadAll(String prefix) {
        adapters.keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** Registers an adapter whose layers were merged into the base: only its head runs per request (benchmarks). */
    public void registerMerged(String name, Path dir) {
        ServedAdapter a = loader.load(name, dir);
        adapters.put(name, new ServedAdapter(a.name(), a.source(), a.spec(), a.task(), a.pairsKnown(), a.maxLength(), Map.of(),
                a.classifierWeight(), a.classifierBias(), a.poolerWeight(), a.poolerBias()));
    }

    private record Reply(int status, Object body) {
    }

    private interface Route {
        Reply apply(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, String endpoint, Route route) throws IOException {
        long t0 = System.nanoTime();
        inFlight.incrementAndGet();
        int status = 500;
        try {
            Reply r;
            try {
                if (stopping && !endpoint.equals("/health") && !endpoint.equals("/metrics")) {
                    throw new ServeException(503, "the server is shutting down");
                }
                r = route.apply(ex);
            } catch (ServeException e) {
                r = error(e.status(), e.getMessage());
                if (e.status() == 429) {
                    ex.getResponseHeaders().set("Retry-After", "1");
                }
            } catch (RuntimeException e) {
                r = error(500, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            status = r.status();
            byte[] body = r.body() instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(r.body());
            ex.getResponseHeaders().set("Content-Type", r.body() instanceof String
                    ? "text/plain; version=0.0.4; charset=utf-8" : "application/json");
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } finally {
            ex.close();
            metrics.observeRequest(endpoint, status, (System.nanoTime() - t0) / 1e9);
            inFlight.decrementAndGet();
        }
    }

    private static Reply error(int status, String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message == null ? "error" : message);
        return new Reply(status, o);
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
            throw new ServeException(405, ex.getRequestURI().getPath() + " takes " + method);
        }
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > options.maxBodyBytes()) {
                    throw new ServeException(413, "request body of " + length.trim() + " bytes is over the limit of " + options.maxBodyBytes());
                }
            } catch (NumberFormatException e) {
                throw new ServeException(400, "bad Content-Length");
            }
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, options.maxBodyBytes() + 1));
        }
        if (bytes.length > options.maxBodyBytes()) {
            throw new ServeException(413, "request body over the limit of " + options.maxBodyBytes() + " bytes");
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new ServeException(400, "the body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ServeException(400, "malformed JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr());
        }
    }

    private ServedAdapter adapter(String name) {
        ServedAdapter a = adapters.get(name);
        if (a == null) {
            throw new ServeException(404, "no adapter named '" + name + "' (GET /v1/adapters lists them)");
        }
        return a;
    }

    private Reply predict(HttpExchange ex) throws IOException {
        requireMethod(ex, "POST");
        JsonNode req = body(ex);
        JsonNode name = req.get("adapter");
        if (name == null || !name.isTextual()) {
            throw new ServeException(400, "missing string field 'adapter'");
        }
        ServedAdapter a = adapter(name.asText());
        List<ServingModel.Row> rows = rows(req, a, true);
        ObjectNode out = JSON.createObjectNode();
        out.set("results", await(new Batcher.Job(Batcher.Kind.PREDICT, a, rows, new CompletableFuture<>(), System.nanoTime())));
        return new Reply(200, out);
    }

    private Reply embed(HttpExchange ex) throws IOException {
        requireMethod(ex, "POST");
        JsonNode req = body(ex);
        JsonNode name = req.get("adapter");
        if (name != null && !name.isNull() && !name.isTextual()) {
            throw new ServeException(400, "'adapter' must be a string");
        }
        ServedAdapter a = name == null || name.isNull() ? null : adapter(name.asText());
        List<ServingModel.Row> rows = rows(req, a, false);
        ObjectNode out = JSON.createObjectNode();
        out.put("dim", model.hiddenSize());
        out.set("embeddings", await(new Batcher.Job(Batcher.Kind.EMBED, a, rows, new CompletableFuture<>(), System.nanoTime())));
        return new Reply(200, out);
    }

    /** Validates and tokenizes {@code inputs}: text or [text, text], at most maxInputs. */
    private List<ServingModel.Row> rows(JsonNode req, ServedAdapter a, boolean predict) {
        JsonNode inputs = req.get("inputs");
        if (inputs == null || !inputs.isArray()) {
            throw new ServeException(400, "missing array field 'inputs'");
        }
        if (inputs.isEmpty()) {
            throw new ServeException(400, "'inputs' is empty");
        }
        if (inputs.size() > options.maxInputs()) {
            throw new ServeException(413, inputs.size() + " inputs is over the limit of " + options.maxInputs() + " per request");
        }
        TextTokenizer tok = model.tokenizer(a == null ? model.defaultMaxLength() : a.maxLength());
        List<ServingModel.Row> rows = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode in = inputs.get(i);
            TokenBatch t;
            if (in.isTextual()) {
                if (predict && a.pairsKnown() && a.task().pairs()) {
                    throw new ServeException(400, "inputs[" + i + "]: adapter '" + a.name() + "' labels text pairs: give [TEXT, TEXT]");
                }
                t = tok.encode(List.of(in.asText()));
            } else if (in.isArray() && in.size() == 2 && in.get(0).isTextual() && in.get(1).isTextual()) {
                if (predict && a.pairsKnown() && !a.task().pairs()) {
                    throw new ServeException(400, "inputs[" + i + "]: adapter '" + a.name() + "' labels single texts, not pairs");
                }
                t = tok.encodePairs(List.of(in.get(0).asText()), List.of(in.get(1).asText()));
            } else {
                throw new ServeException(400, "inputs[" + i + "] must be a string or an array of two strings");
            }
            rows.add(new ServingModel.Row(a, t.ids()[0], t.typeIds()[0]));
        }
        return rows;
    }

    private JsonNode await(Batcher.Job job) {
        if (!batcher.offer(job)) {
            throw stopping ? new ServeException(503, "the server is shutting down")
                    : new ServeException(429, "the queue is full (" + options.maxQueue() + " requests); retry shortly");
        }
        queued.incrementAndGet();
        try {
            return job.result().get(options.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ServeException(503, "no result within " + options.requestTimeoutMs() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServeException(503, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServeException se) {
                throw se;
            }
            throw new ServeException(500, "the batch failed: " + e.getCause());
        } finally {
            queued.decrementAndGet();
        }
    }

    private Reply adaptersEndpoint(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        if (path.equals("/v1/adapters") || path.equals("/v1/adapters/")) {
            requireMethod(ex, "GET");
            ObjectNode out = JSON.createObjectNode();
            ArrayNode list = out.putArray("adapters");
            new java.util.TreeMap<>(adapters).values().forEach(a -> list.add(describe(a)));
            return new Reply(200, out);
        }
        String name = path.substring("/v1/adapters/".length());
        switch (method) {
            case "GET" -> {
                return new Reply(200, describe(adapter(name)));
            }
            case "DELETE" -> {
                if (adapters.remove(name) == null) {
                    throw new ServeException(404, "no adapter named '" + name + "'");
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("unloaded", name);
                return new Reply(200, o);
            }
            case "PUT" -> {
                JsonNode req = body(ex);
                JsonNode p = req.get("path");
                if (p == null || !p.isTextual() || p.asText().isBlank()) {
                    throw new ServeException(400, "missing string field 'path' (an adapter or run directory on the server)");
                }
                boolean replaced = load(name, Path.of(p.asText()));
                return new Reply(replaced ? 200 : 201, describe(adapters.get(name)));
            }
            default -> throw new ServeException(405, path + " takes GET, PUT or DELETE");
        }
    }

    private static ObjectNode describe(ServedAdapter a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", a.name());
        o.put("source", a.source().toString());
        o.put("method", a.spec().method().name());
        if (a.spec().dcft() != null) {
            o.put("kernel_size", a.spec().dcft().kernel());
            o.put("stride", a.spec().dcft().stride());
            o.put("r", a.spec().dcft().rank());
        }
        if (a.spec().lora() != null) {
            o.put("r", a.spec().lora().rank());
        }
        o.put("problem_type", a.task().type().problemType);
        ArrayNode labels = o.putArray("labels");
        a.task().labels().forEach(labels::add);
        o.put("adapted_modules", a.layers().size());
        o.put("numbers", a.numbers());
        return o;
    }

    private void awaitIdle(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            sleep(5);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Graceful shutdown: new requests get 503, queued ones are answered, responses in flight are
     * written, then the listener closes. The base model is closed last.
     */
    @Override
    public void close() {
        stopping = true;
        batcher.close();
        // Exchanges already accepted are answered (503 for any that had not been queued); a short
        // grace lets connections accepted a moment ago reach a handler before the listener closes.
        awaitIdle(TimeUnit.SECONDS.toNanos(30));
        sleep(200);
        awaitIdle(TimeUnit.SECONDS.toNanos(5));
        http.stop(0);
        executor.shutdownNow();
        model.close();
    }
}
