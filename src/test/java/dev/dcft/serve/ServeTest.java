package dev.dcft.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.engine.Engines;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.TestFiles;
import dev.dcft.testing.TestModels;
import dev.dcft.train.Predictor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code dcft serve} through a real HTTP client: mixed-adapter batches against {@code dcft predict}'s
 * own results, every error code, concurrent clients, loading and unloading under traffic, and
 * shutdown with requests in flight. Twenty adapters on a tiny BERT (with a pooler, so the per-adapter
 * pooler runs too): DCFT with stride = kernel (the Kronecker path), DCFT with overlapping kernels
 * and LoRA (the factor path), two- and three-label and pair tasks.
 */
class ServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<String> TEXTS = List.of("a wonderful film", "a dull film", "the plot was thin but the acting fine",
            "i would not watch it again", "great", "terrible acting and a weak story, long and slow");

    private static Path root;
    private static Path model;
    private static Path adapters;
    private static final Map<String, Boolean> PAIRS = new TreeMap<>();
    private static Map<String, String> digests;

    @BeforeAll
    static void makeAdapters() throws Exception {
        Engines.configure(2);
        root = Files.createTempDirectory("dcft-serve");
        model = root.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 21);
        adapters = root.resolve("adapters");
        Files.createDirectories(adapters);
        Path two = csv("two.csv", new String[] {"pos", "neg"}, false);
        Path three = csv("three.csv", new String[] {"low", "mid", "high"}, false);
        Path pairs = csv("pairs.csv", new String[] {"yes", "no"}, true);
        for (int i = 0; i < 20; i++) {
            Path data = i % 4 == 3 ? pairs : i % 3 == 0 ? three : two;
            List<String> method = switch (i % 5) {
                case 0 -> List.of("--method", "dcft", "--kernel", "4");
                case 1 -> List.of("--method", "dcft", "--kernel", "4", "--stride", "2");
                case 2 -> List.of("--method", "lora", "--rank", "2");
                case 3 -> List.of("--method", "dcft", "--kernel", "2", "--target", "query,value");
                default -> List.of("--method", "dcft", "--kernel", "8", "--rank", "2");
            };
            List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--train", data.toString(), "--max-steps", "2",
                    "--batch", "8", "--lr", "5e-2", "--seed", Integer.toString(100 + i), "--threads", "2", "--quiet",
                    "--out", adapters.resolve("a" + i).toString()));
            if (data == pairs) {
                args.addAll(List.of("--text-pair-column", "second"));
            }
            args.addAll(method);
            CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            PAIRS.put("a" + i, data == pairs);
        }
        digests = digests(adapters);
    }

    @AfterAll
    static void noAdapterFileWasModified() throws Exception {
        assertEquals(digests, digests(adapters), "the server never writes into adapter directories");
    }

    private static Path csv(String name, String[] labels, boolean pair) throws IOException {
        StringBuilder sb = new StringBuilder(pair ? "text,second,label\n" : "text,label\n");
        for (int i = 0; i < 48; i++) {
            sb.append(TEXTS.get(i % TEXTS.size()).replace(",", "")).append(pair ? "," + TEXTS.get((i + 1) % TEXTS.size()).replace(",", "") : "")
                    .append(',').append(labels[i % labels.length]).append('\n');
        }
        Path p = root.resolve(name);
        Files.writeString(p, sb.toString());
        return p;
    }

    private static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                        + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    /** Loads every adapter under {@code dir} at start; PUT reads from the test's adapters directory. */
    private static DcftServer start(DcftServer.Options o, Path dir) throws IOException {
        return DcftServer.start(ModelLoader.load(model.toString()), dir, root, o, line -> { });
    }

    private static DcftServer.Options options(int maxBatch, long waitMs, int maxQueue, int maxInputs, long maxBody) {
        return new DcftServer.Options("127.0.0.1", 0, maxBatch, waitMs, maxQueue, maxInputs, maxBody, 64, 60_000, false);
    }

    record Reply(int status, JsonNode body, String text, HttpResponse<String> raw) {
    }

    private static Reply call(DcftServer s, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(java.time.Duration.ofSeconds(60));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            n = JSON.readTree(r.body());
        }
        return new Reply(r.statusCode(), n, r.body(), r);
    }

    private static String inputs(String adapter, boolean pairs, int from, int count) throws Exception {
        List<Object> in = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            String t = TEXTS.get((from + k) % TEXTS.size());
            in.add(pairs ? List.of(t, TEXTS.get((from + k + 2) % TEXTS.size())) : t);
        }
        return JSON.writeValueAsString(Map.of("adapter", adapter, "inputs", in));
    }

    /** What {@code dcft predict} gives for the same inputs, as the JSON objects it writes. */
    private static List<JsonNode> expected(String adapter, int from, int count) throws Exception {
        try (Predictor p = Predictor.open(adapters.resolve(adapter))) {
            List<Predictor.Input> in = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                String t = TEXTS.get((from + k) % TEXTS.size());
                in.add(new Predictor.Input(t, PAIRS.get(adapter) ? TEXTS.get((from + k + 2) % TEXTS.size()) : null));
            }
            List<JsonNode> out = new ArrayList<>();
            for (Predictor.Prediction pr : p.predict(in)) {
                out.add(dev.dcft.train.BatchPrediction.json(p.task(), pr));
            }
            return out;
        }
    }

    private static void assertSamePredictions(List<JsonNode> want, JsonNode got, String what) {
        assertEquals(want.size(), got.size(), what);
        for (int i = 0; i < want.size(); i++) {
            JsonNode w = want.get(i);
            JsonNode g = got.get(i);
            assertEquals(w.get("label").asText(), g.get("label").asText(), what + " row " + i);
            w.get("probabilities").fields().forEachRemaining(e -> assertEquals(e.getValue().asDouble(),
                    g.get("probabilities").get(e.getKey()).asDouble(), 1e-5, what + " p(" + e.getKey() + ")"));
        }
    }

    @Test
    void mixedBatchesEqualEachAdaptersOwnPredictions() throws Exception {
        // A long wait so that the twenty concurrent requests land in the same batches.
        try (DcftServer s = start(options(256, 300, 256, 64, 1 << 20), adapters)) {
            assertEquals(20, s.adapterCount());
            ExecutorService pool = Executors.newFixedThreadPool(20);
            CountDownLatch go = new CountDownLatch(1);
            Map<String, Future<Reply>> replies = new TreeMap<>();
            for (String a : PAIRS.keySet()) {
                int from = Integer.parseInt(a.substring(1)) % TEXTS.size();
                String body = inputs(a, PAIRS.get(a), from, 3);
                replies.put(a, pool.submit(() -> {
                    go.await();
                    return call(s, "POST", "/v1/predict", body);
                }));
            }
            go.countDown();
            for (Map.Entry<String, Future<Reply>> e : replies.entrySet()) {
                Reply r = e.getValue().get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.text());
                int from = Integer.parseInt(e.getKey().substring(1)) % TEXTS.size();
                assertSamePredictions(expected(e.getKey(), from, 3), r.body().get("results"), e.getKey());
            }
            pool.shutdown();
            String metrics = call(s, "GET", "/metrics", null).text();
            long single = metricValue(metrics, "dcft_batch_requests_bucket{le=\"1\"}");
            long batches = metricValue(metrics, "dcft_batch_requests_count");
            assertTrue(batches < 20 && single < batches, "requests for different adapters shared batches: " + batches + " batches, "
                    + single + " with one request");
            assertTrue(metrics.contains("dcft_requests_total{endpoint=\"/v1/predict\",code=\"200\"} 20"), metrics);
            assertTrue(metrics.contains("dcft_adapters_loaded 20") && metrics.contains("dcft_queue_depth 0"), metrics);
            assertTrue(metrics.contains("dcft_request_duration_seconds_bucket{endpoint=\"/v1/predict\",le=\"+Inf\"} 20"), metrics);
        }
    }

    private static long metricValue(String metrics, String key) {
        return metrics.lines().filter(l -> l.startsWith(key + " ")).mapToLong(l -> Long.parseLong(l.substring(key.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError(key + " missing from " + metrics));
    }

    /** PUT reads only inside the adapters directory: not through "..", absolute paths or symbolic links. */
    @Test
    void putPathsStayInsideTheAdaptersDirectory() throws Exception {
        Path outside = Files.createTempDirectory("dcft-outside");
        TestFiles.copyTree(adapters.resolve("a0"), outside.resolve("valid"));
        Path inLink = root.resolve("link-out");
        Path halfLink = root.resolve("half-link");
        Files.deleteIfExists(inLink);
        Files.createSymbolicLink(inLink, outside.resolve("valid"));
        TestFiles.copyTree(adapters.resolve("a0"), halfLink);
        Path weights = halfLink.resolve("adapter/adapter_model.safetensors");
        Files.delete(weights);
        Files.createSymbolicLink(weights, outside.resolve("valid/adapter/adapter_model.safetensors"));
        try (DcftServer s = start(options(64, 2, 256, 4, 2000), null)) {
            for (String path : List.of("../" + outside.getFileName() + "/valid", outside.resolve("valid").toString(), "/etc",
                    "adapters/../../" + outside.getFileName() + "/valid", "link-out", "half-link")) {
                Reply r = call(s, "PUT", "/v1/adapters/escape", JSON.writeValueAsString(Map.of("path", path)));
                assertEquals(403, r.status(), path + ": " + r.text());
                assertTrue(r.body().get("error").asText().contains("leaves the adapters directory"), r.text());
            }
            assertEquals(404, call(s, "GET", "/v1/adapters/escape", null).status(), "nothing was loaded");
            assertEquals(201, call(s, "PUT", "/v1/adapters/inside", "{\"path\": \"adapters/a0\"}").status(), "relative to the directory");
        } finally {
            dev.dcft.io.AtomicFiles.deleteTree(outside);
            Files.deleteIfExists(inLink);
            dev.dcft.io.AtomicFiles.deleteTree(halfLink);
        }
        try (DcftServer s = DcftServer.start(ModelLoader.load(model.toString()), null, null, options(64, 2, 256, 4, 2000), line -> { })) {
            Reply r = call(s, "PUT", "/v1/adapters/one", "{\"path\": \"" + adapters.resolve("a0") + "\"}");
            assertEquals(403, r.status(), "a server without an adapters directory loads nothing over HTTP: " + r.text());
        }
    }

    @Test
    void everyErrorHasItsCode() throws Exception {
        Path other = root.resolve("other");
        BertConfig wide = BertConfig.of(30522, 32, 2, 4, 64, 64, 2, 1e-12f);
        TestModels.writeHfDirectory(other, wide, true, 5);
        Path foreign = root.resolve("foreign");
        CliRunner.Result r = CliRunner.run("train", "--model", other.toString(), "--train", root.resolve("two.csv").toString(), "--max-steps", "1",
                "--batch", "8", "--threads", "2", "--quiet", "--method", "dcft", "--kernel", "4", "--out", foreign.toString());
        assertEquals(0, r.code(), r.err());
        try (DcftServer s = start(options(64, 2, 256, 4, 2000), null)) {
            assertEquals(201, call(s, "PUT", "/v1/adapters/one", "{\"path\": \"" + adapters.resolve("a0") + "\"}").status());
            assertEquals(200, call(s, "PUT", "/v1/adapters/one", "{\"path\": \"" + adapters.resolve("a0") + "\"}").status(), "PUT replaces");
            Reply conflict = call(s, "PUT", "/v1/adapters/foreign", "{\"path\": \"" + foreign + "\"}");
            assertEquals(409, conflict.status(), conflict.text());
            assertTrue(conflict.body().get("error").asText().contains("does not fit the served base"), conflict.text());
            assertEquals(400, call(s, "PUT", "/v1/adapters/x", "{\"path\": \"" + root.resolve("missing") + "\"}").status());
            assertEquals(400, call(s, "PUT", "/v1/adapters/bad%20name", "{\"path\": \"" + adapters.resolve("a0") + "\"}").status());

            Reply malformed = call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": [\"x\"");
            assertEquals(400, malformed.status());
            assertTrue(malformed.body().get("error").asText().startsWith("malformed JSON"), malformed.text());
            assertEquals(400, call(s, "POST", "/v1/predict", "[1, 2]").status());
            assertEquals(400, call(s, "POST", "/v1/predict", "{\"inputs\": [\"x\"]}").status());
            assertEquals(400, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\"}").status());
            assertEquals(400, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": []}").status());
            assertEquals(400, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": [3]}").status());
            Reply unknown = call(s, "POST", "/v1/predict", "{\"adapter\": \"nope\", \"inputs\": [\"x\"]}");
            assertEquals(404, unknown.status());
            assertTrue(unknown.body().get("error").asText().contains("nope"), unknown.text());
            assertEquals(413, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}").status());
            assertEquals(413, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": [\"" + "x".repeat(3000) + "\"]}").status());
            assertEquals(405, call(s, "GET", "/v1/predict", null).status());
            assertEquals(404, call(s, "DELETE", "/v1/adapters/nope", null).status());
            assertEquals(200, call(s, "POST", "/v1/predict", "{\"adapter\": \"one\", \"inputs\": [\"still fine\"]}").status());
            assertEquals(200, call(s, "GET", "/health", null).status());
            JsonNode list = call(s, "GET", "/v1/adapters", null).body();
            assertEquals(1, list.get("adapters").size(), list.toString());
        }
        // A queue of one and batches of one: a burst overflows it, and the overflow is told when to retry.
        try (DcftServer s = start(options(1, 0, 1, 64, 1 << 20), adapters.resolve("a0"))) {
            ExecutorService pool = Executors.newFixedThreadPool(24);
            List<Future<Reply>> all = new ArrayList<>();
            String body = inputs("a0", false, 0, 64);
            for (int i = 0; i < 24; i++) {
                all.add(pool.submit(() -> call(s, "POST", "/v1/predict", body)));
            }
            int ok = 0;
            int busy = 0;
            for (Future<Reply> f : all) {
                Reply rep = f.get(120, TimeUnit.SECONDS);
                if (rep.status() == 429) {
                    busy++;
                    assertEquals("1", rep.raw().headers().firstValue("Retry-After").orElse(null));
                } else {
                    assertEquals(200, rep.status(), rep.text());
                    ok++;
                }
            }
            pool.shutdown();
            assertTrue(busy > 0 && ok > 0, ok + " answered, " + busy + " refused with 429");
        }
    }

    @Test
    void concurrentClientsAndHotLoadingUnderTraffic() throws Exception {
        try (DcftServer s = start(options(64, 2, 256, 64, 1 << 20), null)) {
            assertEquals(201, call(s, "PUT", "/v1/adapters/steady", "{\"path\": \"" + adapters.resolve("a4") + "\"}").status());
            List<JsonNode> want = expected("a4", 0, 2);
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                clients.add(pool.submit(() -> {
                    int n = 0;
                    while (!stop.get() || n < 5) {
                        Reply r = call(s, "POST", "/v1/predict", inputs("steady", false, 0, 2));
                        if (r.status() != 200) {
                            problems.add(r.status() + " " + r.text());
                        } else {
                            try {
                                assertSamePredictions(want, r.body().get("results"), "steady");
                            } catch (AssertionError e) {
                                problems.add(e.getMessage());
                            }
                        }
                        n++;
                    }
                    return n;
                }));
            }
            for (int round = 0; round < 3; round++) {
                assertEquals(201, call(s, "PUT", "/v1/adapters/hot", "{\"path\": \"" + adapters.resolve("a" + (5 + round)) + "\"}").status());
                Reply hot = call(s, "POST", "/v1/predict", inputs("hot", PAIRS.get("a" + (5 + round)), 1, 2));
                assertEquals(200, hot.status(), hot.text());
                assertSamePredictions(expected("a" + (5 + round), 1, 2), hot.body().get("results"), "hot " + round);
                assertEquals(200, call(s, "DELETE", "/v1/adapters/hot", null).status());
                assertEquals(404, call(s, "POST", "/v1/predict", inputs("hot", false, 1, 1)).status());
            }
            stop.set(true);
            int total = 0;
            for (Future<Integer> f : clients) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(problems.isEmpty(), problems.toString());
            assertTrue(total >= 40, total + " requests");
            Reply embed = call(s, "POST", "/v1/embed", "{\"inputs\": [\"a wonderful film\", [\"a\", \"b\"]]}");
            assertEquals(200, embed.status(), embed.text());
            assertEquals(16, embed.body().get("dim").asInt());
            assertEquals(2, embed.body().get("embeddings").size());
        }
    }

    @Test
    void bf16AdapterStorageStaysCloseToFloat32() throws Exception {
        DcftServer.Options o = new DcftServer.Options("127.0.0.1", 0, 64, 2, 256, 64, 1 << 20, 8, 60_000, true);
        try (DcftServer s = start(o, null)) {
            for (String a : List.of("a0", "a1", "a2")) {
                assertEquals(201, call(s, "PUT", "/v1/adapters/" + a, "{\"path\": \"" + adapters.resolve(a) + "\"}").status());
                Reply r = call(s, "POST", "/v1/predict", inputs(a, PAIRS.get(a), 0, 4));
                assertEquals(200, r.status(), r.text());
                List<JsonNode> want = expected(a, 0, 4);
                for (int i = 0; i < want.size(); i++) {
                    JsonNode g = r.body().get("results").get(i);
                    want.get(i).get("probabilities").fields().forEachRemaining(e -> assertEquals(e.getValue().asDouble(),
                            g.get("probabilities").get(e.getKey()).asDouble(), 1e-2, a + " p(" + e.getKey() + ") with bf16 numbers"));
                }
            }
        }
        // The rounding is bfloat16's: nearest, ties to even.
        dev.dcft.adapters.serving.Numbers n = dev.dcft.adapters.serving.Numbers.of(new float[] {1f + 1f / 256, 1f + 3f / 256, -2.5f, 3.14159265f}, true);
        assertEquals(1f, n.get(0));
        assertEquals(1f + 4f / 256, n.get(1));
        assertEquals(-2.5f, n.get(2));
        assertEquals(3.140625f, n.get(3));
    }

    @Test
    void shutdownAnswersWhatWasAccepted() throws Exception {
        // Batches wait up to 2 s to fill: requests sit in the queue when shutdown begins.
        DcftServer s = start(options(1024, 2000, 256, 64, 1 << 20), adapters.resolve("a0"));
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<Object>> all = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(8);
        for (int i = 0; i < 32; i++) {
            all.add(pool.submit(() -> {
                started.countDown();
                try {
                    return call(s, "POST", "/v1/predict", inputs("a0", false, 0, 16));
                } catch (IOException e) {
                    return e;
                }
            }));
        }
        started.await();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (s.queued() < 8 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        int inFlightAtClose = s.queued();
        s.close();
        int ok = 0;
        int refused = 0;
        for (Future<Object> f : all) {
            Object o = f.get(120, TimeUnit.SECONDS);
            if (o instanceof Reply r && r.status() == 200) {
                assertEquals(16, r.body().get("results").size());
                ok++;
            } else if (o instanceof Reply r && r.status() == 503) {
                refused++;
            } else if (!(o instanceof java.net.ConnectException)) {
                throw new AssertionError("a request accepted before shutdown was not answered: " + o);
            }
        }
        pool.shutdown();
        assertTrue(inFlightAtClose >= 8, inFlightAtClose + " queued at shutdown");
        assertTrue(ok >= inFlightAtClose, ok + " answered, " + refused + " refused during shutdown, " + inFlightAtClose + " were queued");
    }

    /**
     * A body far over --max-body-bytes gets its 413, not a connection reset: with and without
     * "Expect: 100-continue", from a client that writes the whole body before it reads (Java's HttpClient).
     */
    @Test
    void oversizedBodiesGetTheir413() throws Exception {
        try (DcftServer s = start(options(64, 2, 256, 4, 1 << 20), null)) {
            byte[] big = new byte[24 << 20];
            java.util.Arrays.fill(big, (byte) ' ');
            for (boolean expect : new boolean[] {false, true}) {
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/predict"))
                        .timeout(java.time.Duration.ofSeconds(60)).expectContinue(expect)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build();
                HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
                assertEquals(413, r.statusCode(), "Expect: 100-continue " + expect + ": " + r.body());
                assertTrue(r.body().contains("over the limit"), r.body());
            }
            assertEquals(200, call(s, "GET", "/health", null).status(), "the server still answers");
        }
    }
}
