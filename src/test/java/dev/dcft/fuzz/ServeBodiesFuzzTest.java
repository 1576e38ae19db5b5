package dev.dcft.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dcft.model.ModelLoader;
import dev.dcft.serve.DcftServer;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Request bodies of {@code dcft serve}, fuzzed against a running server (loopback only) with one
 * adapter loaded: every answer is a documented status (200, 400, 404, 413, 429), never a 500 or a
 * dropped connection. The first byte of the input picks the endpoint (predict or embed); the rest
 * is the body. Adapter PUTs are not fuzzed here: a fuzzed path could name any file of the machine.
 */
class ServeBodiesFuzzTest {
    private static final Set<Integer> DOCUMENTED = Set.of(200, 400, 404, 413, 429);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static DcftServer server;

    @BeforeAll
    static void start() throws Exception {
        Path root = Files.createTempDirectory("dcft-fuzz-serve");
        Path model = root.resolve("tiny");
        TestModels.writeTinyHfDirectory(model, true, 3);
        Path adapters = root.resolve("adapters");
        CliRunner.Result r = CliRunner.run("train", "--task", "sst2", "--model", model.toString(), "--max-steps", "1", "--batch", "4",
                "--train-limit", "8", "--eval-limit", "8", "--max-len", "32", "--data", SharedData.root().toString(), "--quiet",
                "--out", adapters.resolve("one").toString());
        if (r.code() != 0) {
            throw new IllegalStateException(r.err());
        }
        server = DcftServer.start(ModelLoader.load(model.toString()), adapters,
                new DcftServer.Options("127.0.0.1", 0, 16, 1, 64, 16, 64 * 1024, 8, 30_000, false), line -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @FuzzTest(maxDuration = "10m", maxExecutions = 1_000_000)
    void bodies(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        String path = (data[0] & 1) == 0 ? "/v1/predict" : "/v1/embed";
        byte[] body = java.util.Arrays.copyOfRange(data, 1, data.length);
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> resp = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
        if (!DOCUMENTED.contains(resp.statusCode())) {
            throw new AssertionError(path + " answered " + resp.statusCode() + ": " + resp.body());
        }
    }
}
