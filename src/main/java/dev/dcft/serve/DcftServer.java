package dev.dcft.serve;

import dev.dcft.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code dcft serve}: one base model, any number of adapters, over HTTP/JSON. Built on the JDK's
 * own HTTP server ({@code com.sun.net.httpserver}, part of OpenJDK and maintained with it): no
 * dependency, no reflection, and the few routes here need nothing more.
 *
 * <pre>
 *   POST   /v1/predict          {"adapter": NAME, "inputs": [TEXT | [TEXT, TEXT], ...]} -> {"results": [...]}
 *   POST   /v1/embed            {"inputs": [...], "adapter"?: NAME}                     -> {"dim": H, "embeddings": [...]}
 *   GET    /v1/adapters         the loaded adapters
 *   PUT    /v1/adapters/{name}  {"path": DIR}: load (or replace) an adapter or run directory inside the adapters directory
 *   DELETE /v1/adapters/{name}  unload
 *   GET    /health, GET /metrics (Prometheus text)
 * </pre>
 * Errors: 400 malformed JSON or fields, 403 a PUT path outside the adapters directory, 404 unknown adapter, 409 adapter for another base, 413 body
 * or input count over the limits, 429 (with Retry-After) when the queue is full, 503 while shutting
 * down. The parts: {@link ServingModel} (the base, with routed layers), {@link AdapterRegistry},
 * {@link Batcher} (dynamic batching), {@link HttpApi} (routes and limits), {@link ServeMetrics}.
 */
public final class DcftServer implements AutoCloseable {
    /** Limits and batching. */
    public record Options(String host, int port, int maxBatch, long maxWaitMs, int maxQueue, int maxInputs, long maxBodyBytes,
            int httpThreads, long requestTimeoutMs, boolean bf16Adapters) {
        public static Options defaults() {
            return new Options("127.0.0.1", 8080, 64, 5, 256, 64, 1 << 20, 64, 60_000, false);
        }
    }

    private final ServingModel model;
    private final AdapterRegistry registry;
    private final Batcher batcher;
    private final HttpApi api;

    private DcftServer(LoadedModel base, Options o, Path putRoot) throws IOException {
        this.model = new ServingModel(base);
        this.registry = new AdapterRegistry(model, o.bf16Adapters());
        java.util.concurrent.atomic.AtomicReference<Batcher> queue = new java.util.concurrent.atomic.AtomicReference<>();
        ServeMetrics metrics = new ServeMetrics(() -> queue.get() == null ? 0 : queue.get().queueDepth(), registry::size);
        this.batcher = new Batcher(model, metrics, o.maxQueue(), o.maxBatch(), o.maxWaitMs());
        queue.set(batcher);
        this.api = new HttpApi(o, model, registry, batcher, metrics, putRoot);
    }

    /**
     * Starts serving {@code base}; loads every adapter or run directory under {@code adaptersDir}
     * (null: none), each named by its directory name, reporting each to {@code log}.
     */
    public static DcftServer start(LoadedModel base, Path adaptersDir, Options o, Consumer<String> log) throws IOException {
        if (base.model().isDecoder()) {
            // The mixed-adapter forward pools as the encoders' heads do (pooler or mean); a decoder's head reads its last token.
            base.close();
            throw new IllegalArgumentException(base.name() + " is a decoder (" + base.model().config().modelType + "): dcft serve serves"
                    + " encoder models; label with dcft predict, or use DcftPredictor on Spark");
        }
        return start(base, adaptersDir, adaptersDir, o, log);
    }

    /**
     * As above, with {@code PUT /v1/adapters/{name}} confined to {@code putRoot} (null: no loading over
     * HTTP); {@code dcft serve --adapters DIR} uses DIR for both.
     */
    public static DcftServer start(LoadedModel base, Path adaptersDir, Path putRoot, Options o, Consumer<String> log) throws IOException {
        DcftServer s = new DcftServer(base, o, putRoot);
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
            s.api.start();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public int port() {
        return api.port();
    }

    /** Requests accepted into the queue and not yet answered (tests: shutdown with requests in flight). */
    int queued() {
        return api.queued();
    }

    public int adapterCount() {
        return registry.size();
    }

    /** Loads (or replaces) adapter {@code name} from an adapter or run directory; true when it replaced one. */
    public boolean load(String name, Path dir) {
        return registry.load(name, dir);
    }

    /** Numbers held on the heap by the loaded adapters (layers and heads). */
    public long adapterNumbers() {
        return registry.numbers();
    }

    /** Benchmarks: {@code count} perturbed copies of adapter {@code template}, named {@code template-0...}. */
    public void registerCopies(String template, int count, long seed) {
        registry.registerCopies(template, count, seed);
    }

    /** Benchmarks: unloads every adapter whose name starts with {@code prefix}. */
    public void unloadAll(String prefix) {
        registry.unloadAll(prefix);
    }

    /** Benchmarks: an adapter whose layers were merged into the base, so only its head runs per request. */
    public void registerMerged(String name, Path dir) {
        registry.registerMerged(name, dir);
    }

    /**
     * Graceful shutdown: new requests get 503, queued ones are answered, responses in flight are
     * written, then the listener closes. The base model is closed last.
     */
    @Override
    public void close() {
        api.refuseNewRequests();
        batcher.close();
        api.stop();
        model.close();
    }
}
