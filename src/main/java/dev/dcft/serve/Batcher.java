package dev.dcft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dcft.train.BatchPrediction;
import dev.dcft.train.Predictor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching: requests wait in a bounded queue; one worker thread takes the first, then
 * whatever else arrives within {@code maxWait} of it, up to {@code maxBatch} inputs, whatever
 * their adapters, and runs them as one forward pass. Requests were validated and tokenized before
 * they were queued, so one bad request never reaches a batch; a batch that fails fails only its
 * own requests.
 */
final class Batcher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Kind { PREDICT, EMBED }

    /** A queued request: tokenized rows, all for one adapter (or the base, for embeddings without one). */
    record Job(Kind kind, ServedAdapter adapter, List<ServingModel.Row> rows, CompletableFuture<JsonNode> result, long enqueuedNanos) {
    }

    private final ServingModel model;
    private final ServeMetrics metrics;
    private final ArrayBlockingQueue<Job> queue;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Thread worker;
    private volatile boolean stopping;

    Batcher(ServingModel model, ServeMetrics metrics, int queueCapacity, int maxBatch, long maxWaitMs) {
        this.model = model;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        this.worker = new Thread(this::loop, "dcft-serve-batcher");
        worker.setDaemon(true);
        worker.start();
    }

    int queueDepth() {
        return queue.size();
    }

    /** Queues a job; false when the queue is full (the caller answers 429). */
    boolean offer(Job job) {
        return !stopping && queue.offer(job);
    }

    private void loop() {
        Deque<Job> carried = new ArrayDeque<>();
        while (true) {
            Job first;
            try {
                first = carried.isEmpty() ? queue.poll(50, TimeUnit.MILLISECONDS) : carried.poll();
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (stopping && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            List<Job> batch = new ArrayList<>(List.of(first));
            int inputs = first.rows().size();
            long deadline = first.enqueuedNanos() + maxWaitNanos;
            while (inputs < maxBatch) {
                long wait = deadline - System.nanoTime();
                Job next;
                try {
                    next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                } catch (InterruptedException e) {
                    next = null;
                }
                if (next == null) {
                    break;
                }
                if (inputs + next.rows().size() > maxBatch) {
                    carried.add(next);
                    break;
                }
                batch.add(next);
                inputs += next.rows().size();
            }
            run(batch, inputs);
        }
    }

    private void run(List<Job> batch, int inputs) {
        metrics.observeBatch(inputs, batch.size());
        List<ServingModel.Row> rows = new ArrayList<>(inputs);
        batch.forEach(j -> rows.addAll(j.rows()));
        try {
            ServingModel.Features f = forward(rows);
            float[][] pooled = pooled(batch, f);
            int at = 0;
            for (Job j : batch) {
                ArrayNode results = JSON.createArrayNode();
                for (int i = 0; i < j.rows().size(); i++, at++) {
                    if (j.kind() == Kind.EMBED) {
                        ArrayNode v = results.addArray();
                        for (float x : HostHead.embedding(f.mean()[at])) {
                            v.add(x);
                        }
                    } else {
                        float[] logits = HostHead.logits(j.adapter(), pooled[at]);
                        results.add(BatchPrediction.json(j.adapter().task(), Predictor.prediction(j.adapter().task(), logits)));
                    }
                }
                j.result().complete(results);
            }
        } catch (RuntimeException e) {
            batch.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Per predict row, what its classifier reads: its adapter's pooler output, or the mean (embed rows: null). */
    private float[][] pooled(List<Job> batch, ServingModel.Features f) {
        int n = f.first().length;
        double[][] pre = new double[n][];
        float[][] out = new float[n][];
        int at = 0;
        for (Job j : batch) {
            for (int i = 0; i < j.rows().size(); i++, at++) {
                if (j.kind() == Kind.EMBED) {
                    continue;
                }
                if (j.adapter().poolerWeight() != null) {
                    pre[at] = HostHead.poolerPreActivation(j.adapter(), f.first()[at]);
                } else {
                    out[at] = f.mean()[at];
                }
            }
        }
        model.activatePooler(pre, out);
        return out;
    }

    /** Rows in chunks of at most {@code maxBatch} (a single request may hold more). */
    private ServingModel.Features forward(List<ServingModel.Row> rows) {
        if (rows.size() <= maxBatch) {
            return model.forward(rows);
        }
        float[][] first = new float[rows.size()][];
        float[][] mean = new float[rows.size()][];
        for (int s = 0; s < rows.size(); s += maxBatch) {
            ServingModel.Features f = model.forward(rows.subList(s, Math.min(rows.size(), s + maxBatch)));
            System.arraycopy(f.first(), 0, first, s, f.first().length);
            System.arraycopy(f.mean(), 0, mean, s, f.mean().length);
        }
        return new ServingModel.Features(first, mean);
    }

    /** Stops taking jobs and returns once every queued job has been answered. */
    @Override
    public void close() {
        stopping = true;
        try {
            worker.join(TimeUnit.MINUTES.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A job that slipped in as the worker left is answered, not dropped.
        for (Job j = queue.poll(); j != null; j = queue.poll()) {
            j.result().completeExceptionally(new ServeException(503, "the server is shutting down"));
        }
    }
}
