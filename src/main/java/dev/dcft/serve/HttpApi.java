package dev.dcft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of {@link DcftServer}: routes, body and input limits, JSON in and out, error codes,
 * and per-request metrics. Requests are validated and tokenized here, on the connection's thread,
 * then queued for the {@link Batcher}.
 */
final class HttpApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DcftServer.Options options;
    private final ServingModel model;
    private final AdapterRegistry registry;
    private final Batcher batcher;
    private final ServeMetrics metrics;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Path adaptersRoot;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean stopping;

    /** Seconds a request may take to arrive, and a response to be read, before the connection is cut. */
    static final int READ_TIMEOUT_S = 30;

    static {
        // The JDK server cuts a connection whose request (headers and body) takes longer than this, or whose response
        // takes longer to be read: a client sending a byte a second cannot hold a worker. Read once per JVM, when the
        // first server starts; -Dsun.net.httpserver.maxReqTime=S (and maxRspTime) set other values.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(READ_TIMEOUT_S));
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(READ_TIMEOUT_S));
        }
    }

    HttpApi(DcftServer.Options o, ServingModel model, AdapterRegistry registry, Batcher batcher, ServeMetrics metrics, Path adaptersRoot)
            throws IOException {
        this.options = o;
        this.adaptersRoot = adaptersRoot;
        this.model = model;
        this.registry = registry;
        this.batcher = batcher;
        this.metrics = metrics;
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
            h.put("adapters", registry.size());
            return new Reply(stopping ? 503 : 200, h);
        }));
        http.createContext("/metrics", ex -> handle(ex, "/metrics", e -> {
            requireMethod(e, "GET");
            return new Reply(200, metrics.render());
        }));
    }

    void start() {
        http.start();
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** Requests accepted into the queue and not yet answered. */
    int queued() {
        return queued.get();
    }

    /** From now on, new requests get 503 (health and metrics still answer). */
    void refuseNewRequests() {
        stopping = true;
    }

    /**
     * Waits for exchanges being handled to finish (a short grace lets connections accepted a moment
     * ago reach a handler, to be answered 503), then closes the listener.
     */
    void stop() {
        awaitIdle(TimeUnit.SECONDS.toNanos(30));
        sleep(200);
        awaitIdle(TimeUnit.SECONDS.toNanos(5));
        http.stop(0);
        executor.shutdownNow();
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
        boolean tooLarge = false;
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
                if (e instanceof BodyTooLarge) {
                    ex.getResponseHeaders().set("Connection", "close");
                    tooLarge = true;
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
                if (tooLarge) {
                    // Before the response stream closes: closing it makes the JDK drop a connection whose body is unread.
                    out.flush();
                    drain(ex);
                }
            }
        } finally {
            ex.close();
            metrics.observeRequest(endpoint, status, (System.nanoTime() - t0) / 1e9);
            inFlight.decrementAndGet();
        }
    }

    /** A body over --max-body-bytes: answered 413, then drained so that the client reads the answer. */
    private static final class BodyTooLarge extends ServeException {
        BodyTooLarge(String message) {
            super(413, message);
        }
    }

    /**
     * Reads and drops what is left of an oversized body after the 413 is written, up to a bound, as
     * mature servers linger: closing at once would reset a client still sending (JDK's server has
     * already answered "Expect: 100-continue" with 100 before a handler runs), and it would never
     * see the 413. Past the bound the connection is closed anyway.
     */
    private void drain(HttpExchange ex) {
        long bound = Math.max(DRAIN_BYTES, 4 * options.maxBodyBytes());
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = ex.getRequestBody()) {
            long read = 0;
            int n;
            while (read < bound && (n = in.read(buf)) > 0) {
                read += n;
            }
        } catch (IOException e) {
            // the client went away: nothing left to drain
        }
    }

    /** The least a 413 drains (64 MiB: a mistaken upload of a file, not a stream without end). */
    static final long DRAIN_BYTES = 64L << 20;

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
                    throw new BodyTooLarge("request body of " + length.trim() + " bytes is over the limit of " + options.maxBodyBytes());
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
            throw new BodyTooLarge("request body over the limit of " + options.maxBodyBytes() + " bytes");
        }
        try {
            // JSON between systems is UTF-8 (RFC 8259): decoded strictly here, because Jackson's own guess at the
            // encoding takes a body starting with NUL bytes for UTF-32 and then fails with an IOException that is no
            // parse error, which dropped the connection without an answer (a fuzzing finding, issue 27).
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new ServeException(400, "the body is not UTF-8 text");
            }
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                throw new ServeException(400, "the body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ServeException(400, "malformed JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr());
        }
    }

    private Reply predict(HttpExchange ex) throws IOException {
        requireMethod(ex, "POST");
        JsonNode req = body(ex);
        JsonNode name = req.get("adapter");
        if (name == null || !name.isTextual()) {
            throw new ServeException(400, "missing string field 'adapter'");
        }
        ServedAdapter a = registry.get(name.asText());
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
        ServedAdapter a = name == null || name.isNull() ? null : registry.get(name.asText());
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
            out.set("adapters", registry.list());
            return new Reply(200, out);
        }
        String name = path.substring("/v1/adapters/".length());
        switch (method) {
            case "GET" -> {
                return new Reply(200, AdapterRegistry.describe(registry.get(name)));
            }
            case "DELETE" -> {
                registry.unload(name);
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
                boolean replaced = registry.load(name, AdapterPaths.confine(adaptersRoot, p.asText()));
                return new Reply(replaced ? 200 : 201, AdapterRegistry.describe(registry.get(name)));
            }
            default -> throw new ServeException(405, path + " takes GET, PUT or DELETE");
        }
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
}
