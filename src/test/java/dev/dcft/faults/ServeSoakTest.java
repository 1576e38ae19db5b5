package dev.dcft.faults;

import static dev.dcft.testing.TestFiles.copyTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.testing.ChildCli;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dcft serve} (a child JVM, loopback only) under mixed traffic and faults from 16 clients:
 * predictions checked against answers taken before the soak, malformed JSON, unknown adapters,
 * oversized bodies and headers, clients that hang up mid-request, clients sending a byte a second
 * (two at all times), adapters loaded and unloaded under traffic, an adapter whose files are
 * corrupted and deleted while it is loaded, and PUT paths that try to leave the adapters directory.
 * Every answer must be right or a documented error, nothing may crash, the heap after the soak
 * (after a full GC) must be within 10% of the heap after warm-up, and nothing outside the adapters
 * directory may change. {@code mvn verify} sends {@value #DEFAULT_REQUESTS} requests;
 * {@code scripts/faults.sh} sends 50,000 and writes the figures to results/faults/serve-soak.json.
 */
class ServeSoakTest {
    static final int DEFAULT_REQUESTS = 3000;
    private static final int CLIENTS = 16;
    private static final int SLOW_TIMEOUT_S = 2;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TEXTS = List.of("a wonderful film", "a dull film", "the plot was thin but the acting fine",
            "i would not watch it again", "great", "terrible acting and a weak story, long and slow");
    /** What each kind of request may answer; "closed" is a connection the server closed without an answer. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "predict", Set.of("200", "429", "503"),
            "malformed", Set.of("400"),
            "unknown", Set.of("404"),
            "oversized-body", Set.of("413"),
            "oversized-header", Set.of("closed", "431", "400", "413"),
            "hang-up", Set.of("hung-up"),
            "list", Set.of("200"),
            "escape", Set.of("403"),
            "hot", Set.of("200", "201", "404"),
            "corrupt", Set.of("400"));

    @TempDir
    Path tmp;

    @Test
    void soakWithFaults() throws Exception {
        int requests = Integer.getInteger("dcft.soak.requests", DEFAULT_REQUESTS);
        Path model = tmp.resolve("model");
        TestModels.writeTinyHfDirectory(model, true, 3);
        Path adapters = Files.createDirectories(tmp.resolve("adapters"));
        for (int i = 0; i < 4; i++) {
            CliRunner.Result r = CliRunner.run("train", "--task", "sst2", "--model", model.toString(), "--max-steps", "2", "--batch", "4",
                    "--train-limit", "16", "--eval-limit", "8", "--max-len", "32", "--lr", "5e-2", "--seed", Integer.toString(i),
                    "--data", SharedData.root().toString(), "--quiet", "--threads", "1", "--out", adapters.resolve("a" + i).toString());
            assertEquals(0, r.code(), r.err());
        }
        copyTree(adapters.resolve("a1"), adapters.resolve("victim"));
        Path corrupt = Files.createDirectories(adapters.resolve("broken"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        copyTree(adapters.resolve("a0"), outside.resolve("valid"));
        Files.writeString(outside.resolve("canary.txt"), "untouched");
        Map<String, Long> outsideBefore = snapshot(outside);

        Process server = startServer(model, adapters);
        try {
            int port = port(server);
            // The corrupted adapter appears after start (start-up would skip it anyway), as does a link out.
            Files.writeString(corrupt.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"query\"]}");
            Files.write(corrupt.resolve("adapter_model.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
            Files.createSymbolicLink(adapters.resolve("link-out"), outside.resolve("valid"));

            Client client = new Client(port);
            Map<String, List<JsonNode>> expected = new TreeMap<>();
            for (String a : List.of("a0", "a1", "a2", "a3", "victim")) {
                Reply r = client.post("/v1/predict", predictBody(a, TEXTS));
                assertEquals("200", r.code, r.body);
                List<JsonNode> results = new ArrayList<>();
                JSON.readTree(r.body).get("results").forEach(results::add);
                expected.put(a, results);
            }
            assertEquals(expected.get("a1"), expected.get("victim"), "victim is a copy of a1");

            Stats warm = soak(client, expected, adapters, outside, Math.max(500, requests / 10), 11, null);
            assertEquals(Map.of(), warm.wrong, "warm-up answers");
            long heapWarm = heapAfterGc(server);

            AtomicInteger slowCut = new AtomicInteger();
            AtomicLong slowMaxMs = new AtomicLong();
            Stats soak;
            ExecutorService slow = Executors.newFixedThreadPool(2);
            AtomicInteger stopSlow = new AtomicInteger();
            try {
                for (int i = 0; i < 2; i++) {
                    slow.submit(() -> {
                        while (stopSlow.get() == 0) {
                            long ms = slowClient(port);
                            slowCut.incrementAndGet();
                            slowMaxMs.accumulateAndGet(ms, Math::max);
                        }
                        return null;
                    });
                }
                // Halfway, the loaded adapter "victim" loses its files: it keeps answering from memory, and a reload fails.
                soak = soak(client, expected, adapters, outside, requests, 42, () -> {
                    Files.write(adapters.resolve("victim/adapter/adapter_model.safetensors"), new byte[] {1, 2, 3});
                    Reply reload = client.put("/v1/adapters/victim", "{\"path\": \"victim\"}");
                    assertEquals("400", reload.code, "reloading a corrupted adapter: " + reload.body);
                    deleteTree(adapters.resolve("victim"));
                    return null;
                });
            } finally {
                stopSlow.set(1);
                slow.shutdown();
                slow.awaitTermination(SLOW_TIMEOUT_S * 10L, TimeUnit.SECONDS);
            }
            long heapAfter = heapAfterGc(server);

            assertTrue(server.isAlive(), "the server is still up");
            assertEquals("200", client.get("/health").code);
            assertEquals(Map.of(), soak.wrong, "every answer right or a documented error");
            assertEquals(outsideBefore, snapshot(outside), "nothing outside the adapters directory changed");
            assertTrue(slowCut.get() >= 2, "slow clients were cut: " + slowCut.get());
            assertTrue(slowMaxMs.get() < (SLOW_TIMEOUT_S + 8) * 1000L, "a slow client held its connection " + slowMaxMs.get() + " ms");
            assertTrue(heapAfter <= heapWarm * 1.10, "heap after the soak " + heapAfter + " vs after warm-up " + heapWarm);

            ObjectNode summary = JSON.createObjectNode();
            summary.put("requests", soak.total.get());
            summary.put("clients", CLIENTS);
            summary.put("seconds", Math.round(soak.seconds * 10) / 10.0);
            summary.set("answers_by_kind", JSON.valueToTree(soak.codes));
            summary.put("predict_p50_ms", soak.percentile(0.50));
            summary.put("predict_p99_ms", soak.percentile(0.99));
            summary.put("slow_clients_cut", slowCut.get());
            summary.put("slow_client_longest_ms", slowMaxMs.get());
            summary.put("read_timeout_s", SLOW_TIMEOUT_S);
            summary.put("heap_after_warmup_bytes", heapWarm);
            summary.put("heap_after_soak_bytes", heapAfter);
            summary.put("cpu", cpu());
            String out = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary);
            System.out.println("ServeSoakTest: " + out);
            String file = System.getProperty("dcft.soak.summary");
            if (file != null) {
                Files.writeString(Path.of(file), out + "\n");
            }
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** Answers per kind of request, the wrong ones, and predict latencies. */
    private static final class Stats {
        final Map<String, Map<String, Integer>> codes = new ConcurrentHashMap<>();
        final Map<String, String> wrong = new ConcurrentHashMap<>();
        final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger total = new AtomicInteger();
        double seconds;

        void count(String kind, String code) {
            codes.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).merge(code, 1, Integer::sum);
            total.incrementAndGet();
            if (!ALLOWED.get(kind).contains(code)) {
                wrong.putIfAbsent(kind + " " + code, "an undocumented answer");
            }
        }

        double percentile(double q) {
            List<Double> s = new ArrayList<>(latencies);
            Collections.sort(s);
            return s.isEmpty() ? 0 : Math.round(s.get((int) Math.min(s.size() - 1, Math.floor(q * s.size()))) * 100) / 100.0;
        }
    }

    @FunctionalInterface
    private interface Midway {
        Void run() throws Exception;
    }

    private Stats soak(Client client, Map<String, List<JsonNode>> expected, Path adapters, Path outside, int count, long seed,
            Midway midway) throws Exception {
        Stats st = new Stats();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger midwayDone = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        List<Future<Void>> fs = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            long clientSeed = seed * 1000 + c;
            fs.add(pool.submit(() -> {
                Random rnd = new Random(clientSeed);
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    if (midway != null && i == count / 2 && midwayDone.compareAndSet(0, 1)) {
                        midway.run();
                    }
                    one(client, rnd, expected, adapters, outside, st, midwayDone.get() == 1);
                }
                return null;
            }));
        }
        for (Future<Void> f : fs) {
            f.get(30, TimeUnit.MINUTES);
        }
        pool.shutdown();
        st.seconds = (System.nanoTime() - t0) / 1e9;
        return st;
    }

    private void one(Client client, Random rnd, Map<String, List<JsonNode>> expected, Path adapters, Path outside, Stats st,
            boolean victimGone) throws Exception {
        int roll = rnd.nextInt(100);
        if (roll < 78) {
            List<String> names = List.of("a0", "a1", "a2", "victim");
            String a = names.get(rnd.nextInt(names.size()));
            int from = rnd.nextInt(TEXTS.size());
            int n = 1 + rnd.nextInt(Math.min(4, TEXTS.size() - from));
            long t0 = System.nanoTime();
            Reply r = client.post("/v1/predict", predictBody(a, TEXTS.subList(from, from + n)));
            st.latencies.add((System.nanoTime() - t0) / 1e6);
            st.count("predict", r.code);
            if (r.code.equals("200")) {
                JsonNode got = JSON.readTree(r.body).get("results");
                for (int k = 0; k < n; k++) {
                    if (!close(expected.get(a).get(from + k), got.get(k))) {
                        st.wrong.putIfAbsent("predict " + a, "expected " + expected.get(a).get(from + k) + ", got " + got.get(k)
                                + (victimGone ? " (after its files were removed)" : ""));
                    }
                }
            }
        } else if (roll < 82) {
            st.count("malformed", client.post("/v1/predict", "{\"adapter\": \"a0\", \"inputs\": [\"x\"").code);
        } else if (roll < 84) {
            st.count("unknown", client.post("/v1/predict", predictBody("nope", List.of("x"))).code);
        } else if (roll < 86) {
            st.count("oversized-body", client.post("/v1/predict", predictBody("a0", List.of("x".repeat(70_000)))).code);
        } else if (roll < 87) {
            st.count("oversized-header", raw(client.port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(500_000) + "\r\n\r\n"));
        } else if (roll < 90) {
            st.count("hang-up", hangUp(client.port, rnd));
        } else if (roll < 92) {
            st.count("list", client.get("/v1/adapters").code);
        } else if (roll < 94) {
            List<String> escapes = List.of("../outside/valid", outside.resolve("valid").toString(), "link-out", "/etc", "a0/../../outside/valid");
            st.count("escape", client.put("/v1/adapters/escape", JSON.writeValueAsString(Map.of("path", escapes.get(rnd.nextInt(escapes.size()))))).code);
        } else if (roll < 99) {
            int op = rnd.nextInt(3);
            Reply r = op == 0 ? client.put("/v1/adapters/hot", "{\"path\": \"a3\"}")
                    : op == 1 ? client.delete("/v1/adapters/hot")
                    : client.post("/v1/predict", predictBody("hot", TEXTS.subList(0, 2)));
            st.count("hot", r.code);
            if (op == 2 && r.code.equals("200")) {
                JsonNode got = JSON.readTree(r.body).get("results");
                if (!close(expected.get("a3").get(0), got.get(0)) || !close(expected.get("a3").get(1), got.get(1))) {
                    st.wrong.putIfAbsent("predict hot", got.toString());
                }
            }
        } else {
            st.count("corrupt", client.put("/v1/adapters/broken", "{\"path\": \"broken\"}").code);
        }
    }

    /** Same label, probabilities within 1e-4 (a request batched with others may round differently). */
    private static boolean close(JsonNode want, JsonNode got) {
        if (got == null || !want.get("label").equals(got.get("label"))) {
            return false;
        }
        JsonNode pw = want.get("probabilities");
        JsonNode pg = got.get("probabilities");
        if (pw == null || pg == null) {
            return pw == pg;
        }
        for (var it = pw.fields(); it.hasNext();) {
            var e = it.next();
            if (pg.get(e.getKey()) == null || Math.abs(e.getValue().asDouble() - pg.get(e.getKey()).asDouble()) > 1e-4) {
                return false;
            }
        }
        return true;
    }

    private static String predictBody(String adapter, List<String> inputs) throws IOException {
        return JSON.writeValueAsString(Map.of("adapter", adapter, "inputs", inputs));
    }

    private record Reply(String code, String body) {
    }

    /** Keep-alive HTTP/1.1 client for the ordinary requests. */
    private static final class Client {
        final int port;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

        Client(int port) {
            this.port = port;
        }

        Reply post(String path, String body) throws Exception {
            return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        Reply put(String path, String body) throws Exception {
            return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)));
        }

        Reply delete(String path) throws Exception {
            return send(HttpRequest.newBuilder(uri(path)).DELETE());
        }

        Reply get(String path) throws Exception {
            return send(HttpRequest.newBuilder(uri(path)).GET());
        }

        private URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        private Reply send(HttpRequest.Builder b) throws Exception {
            try {
                HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                return new Reply(Integer.toString(r.statusCode()), r.body());
            } catch (IOException e) {
                return new Reply("closed", String.valueOf(e));
            }
        }
    }

    /** Sends raw bytes; the status code of the answer, or "closed". */
    private static String raw(int port, String request) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            return status == null ? "closed" : status.split(" ")[1];
        } catch (IOException e) {
            return "closed";
        }
    }

    /** Starts a predict request and closes the connection part-way through its headers or body. */
    private static String hangUp(int port, Random rnd) {
        String body = "{\"adapter\": \"a0\", \"inputs\": [\"" + "x".repeat(500) + "\"]}";
        String req = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoLinger(true, 0); // a reset, as a crashed client leaves
            s.getOutputStream().write(req.substring(0, 1 + rnd.nextInt(req.length() - 2)).getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        } catch (IOException e) {
            // the server closing first is fine too
        }
        return "hung-up";
    }

    /** A client sending a request a byte a second; returns how long until the server cut it. */
    private static long slowClient(int port) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] req = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 600; i++) {
                out.write(i < req.length ? req[i] : 'x');
                out.flush();
                try {
                    if (in.read() < 0) {
                        break; // closed by the server
                    }
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // a second has passed: the next byte
                }
            }
        } catch (IOException cut) {
            // reset by the server
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private Process startServer(Path model, Path adapters) throws IOException {
        List<String> cmd = ChildCli.command(List.of("-Xmx512m", "-Dai.djl.offline=true", "-Dsun.net.httpserver.maxReqTime=" + SLOW_TIMEOUT_S,
                "-Dsun.net.httpserver.maxRspTime=" + SLOW_TIMEOUT_S), List.of("--threads", "1", "serve", "--model", model.toString(), "--adapters", adapters.toString(), "--port", "0",
                "--max-body-bytes", "65536", "--http-threads", "16", "--max-wait-ms", "2"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the server's output until it says where it listens; keeps draining it afterwards. */
    private static int port(Process server) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Pattern p = Pattern.compile("serving .* on http://[^:]+:(\\d+)");
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = p.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // the server's log: not needed
                        }
                    } catch (IOException ignored) {
                        // the server ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IllegalStateException("the server did not start:\n" + seen);
    }

    /** Heap in use after a full GC of the server, by the JDK's jcmd. */
    /**
     * Bytes of the server's live objects after a full GC: the class histogram's total (jcmd GC.class_histogram,
     * which collects first). GC.heap_info's "used" also counts the unfilled parts of G1's regions, which moved by
     * about a megabyte between runs with the same live objects and made the 10% check fail at random.
     */
    private static long heapAfterGc(Process server) throws Exception {
        String jcmd = ChildCli.jdkTool("jcmd");
        run(jcmd, Long.toString(server.pid()), "GC.run");
        String info = run(jcmd, Long.toString(server.pid()), "GC.class_histogram");
        Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(m.group(1));
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private static Map<String, Long> snapshot(Path dir) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                m.put(dir.relativize(p) + (Files.isRegularFile(p) ? ":" + Files.size(p) : ""), Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown") + ", " + Runtime.getRuntime().availableProcessors()
                    + " cores";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        dev.dcft.io.AtomicFiles.deleteTree(root);
    }
}
