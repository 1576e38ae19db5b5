package dev.dcft.cli;

import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.serve.DcftServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", sortOptions = false, description = {
        "Serve one base model and many adapters over HTTP/JSON: POST /v1/predict {\"adapter\": NAME, \"inputs\": [...]},"
                + " POST /v1/embed, GET/PUT/DELETE /v1/adapters[/NAME], GET /health, GET /metrics (Prometheus)."
                + " Requests for different adapters that arrive together run as one batch. Ctrl-C (SIGTERM) finishes queued work, then exits."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Option(names = "--adapters", paramLabel = "DIR", description = "Load every adapter directory and run directory under DIR at start,"
            + " each named by its directory name.")
    Path adaptersDir;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE} (0: any free port).")
    int port;

    @Option(names = "--max-batch", defaultValue = "64", description = "Most inputs per forward pass. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", description = "How long the first request of a batch waits for others. Default: ${DEFAULT-VALUE}.")
    long maxWaitMs;

    @Option(names = "--max-queue", defaultValue = "256", description = "Requests waiting at most; beyond: 429. Default: ${DEFAULT-VALUE}.")
    int maxQueue;

    @Option(names = "--max-inputs", defaultValue = "64", description = "Inputs per request at most; beyond: 413. Default: ${DEFAULT-VALUE}.")
    int maxInputs;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Request body at most; beyond: 413. Default: ${DEFAULT-VALUE}.")
    long maxBodyBytes;

    @Option(names = "--adapter-storage", defaultValue = "fp32", paramLabel = "fp32|bf16", description = "How loaded adapters' numbers"
            + " are kept: fp32 (exact), or bf16 (half the memory: 10,000 bert-base-sized adapters in about 540 MB; each number rounded"
            + " to 8 significant bits, so answers move by about 1e-3). Default: ${DEFAULT-VALUE}.")
    String adapterStorage;

    @Option(names = "--http-threads", defaultValue = "64", description = "Connections handled at once. Default: ${DEFAULT-VALUE}.")
    int httpThreads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (maxBatch < 1 || maxQueue < 1 || maxInputs < 1 || maxBodyBytes < 2 || httpThreads < 1 || maxWaitMs < 0) {
            throw new IllegalArgumentException("--max-batch, --max-queue, --max-inputs, --http-threads >= 1, --max-body-bytes >= 2, --max-wait-ms >= 0");
        }
        if (adaptersDir != null && !Files.isDirectory(adaptersDir)) {
            throw new IllegalArgumentException("--adapters " + adaptersDir + ": not a directory");
        }
        var out = spec.commandLine().getOut();
        LoadedModel base = ModelLoader.load(modelOption.model, precisionOption.value());
        if (!adapterStorage.equals("fp32") && !adapterStorage.equals("bf16")) {
            throw new IllegalArgumentException("--adapter-storage is fp32 or bf16, got '" + adapterStorage + "'");
        }
        DcftServer.Options o = new DcftServer.Options(host, port, maxBatch, maxWaitMs, maxQueue, maxInputs, maxBodyBytes, httpThreads, 60_000,
                adapterStorage.equals("bf16"));
        DcftServer server = DcftServer.start(base, adaptersDir, o, line -> {
            out.println(line);
            out.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("dcft serve: shutting down (finishing queued requests)...");
            server.close();
            stopped.countDown();
        }));
        out.printf("serving %s (%s) with %d adapters on http://%s:%d%n", base.name(), base.precision().precision().label(),
                server.adapterCount(), host, server.port());
        out.flush();
        stopped.await();
        return 0;
    }
}
