package dev.dcft.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.dcft.adapters.Adapters;
import dev.dcft.data.GlueTask;
import dev.dcft.engine.Engines;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Parameter;
import dev.dcft.train.AdamW;
import dev.dcft.train.TaskModel;
import dev.dcft.train.TrainingStep;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times complete training steps (forward, loss, backward, optimizer) of several methods on the
 * same batch, round-robin in one process so that machine noise hits every method alike.
 */
public final class TrainingStepBench {
    /** One method's timings (per round, in round order) and size; its profiler traces when profiled. */
    public record Result(String method, List<Double> roundMs, long trainable, List<Path> traces) {
        public Stats stepMs() {
            return Stats.of(roundMs);
        }
    }

    /**
     * A run's results; per precision of a {@code floor} method in it, the matrix-product rate ({@link GemmRate},
     * GFLOP/s) measured once per round right after the round's steps, and the floor step's FLOPs.
     */
    public record Run(List<Result> results, Map<String, List<Double>> gemmGflops, double floorStepFlops) {
    }

    /** Profiled steps per method: each operator's least self time over them is robust to slow phases. */
    public static final int PROFILED_STEPS = 3;

    private TrainingStepBench() {
    }

    private static final class Runner implements AutoCloseable {
        final BenchMethod method;
        final LoadedModel base;
        final TaskModel model;
        final TrainingStep step;
        final NDManager optimizerState;
        final List<Double> times = new ArrayList<>();

        Runner(BenchMethod method, BenchSetup setup) {
            this.method = method;
            this.base = setup.load(method.precision());
            this.model = new TaskModel(base, method.spec(), GlueTask.SST2.spec(), 0.1, 42);
            model.backpropToEmbeddings(method.floor());
            if (method.materialized()) {
                Adapters.layers(base.model()).values().forEach(l -> {
                    if (!l.setMaterialized(true)) {
                        throw new IllegalArgumentException(method.name() + ": this method has no materialised form");
                    }
                });
            }
            Map<String, Parameter> params = model.trainable();
            params.values().forEach(p -> p.value().setRequiresGradient(true));
            this.optimizerState = base.manager().newSubManager();
            AdamW adam = new AdamW(params, optimizerState, 0.9, 0.999, 1e-8, 0.01);
            this.step = new TrainingStep(model, params, adam, method.spec().hasAdapters() ? method.spec().config().auxiliaryLoss() : null, 1.0);
        }

        double run(TokenBatch batch, float[] labels) {
            model.setTraining(true);
            long t0 = System.nanoTime();
            try (NDManager scope = base.manager().newSubManager()) {
                EncoderInput in = EncoderInput.of(scope, batch, base.model().config());
                step.run(scope, in, labels, 1e-4, problem -> {
                    throw new IllegalStateException(method.name() + ": " + problem);
                });
            }
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public void close() {
            optimizerState.close();
            base.close();
        }
    }

    /**
     * Runs the rounds; with a {@code profileDir} (else null), each method then runs
     * {@link #PROFILED_STEPS} more, untimed steps (again round-robin) under the engine's profiler,
     * written to {@code <profileDir>/<method>.<k>.trace.json}.
     */
    public static Run run(BenchSetup setup, List<BenchMethod> methods, PrintWriter progress, Path profileDir) {
        Engines.gradientsOff();
        List<Runner> runners = new ArrayList<>();
        try {
            for (BenchMethod m : methods) {
                runners.add(new Runner(m, setup));
            }
            TokenBatch batch = setup.batchTokens(runners.get(0).base.model().config().vocabSize);
            float[] labels = setup.labels();
            EncoderConfig config = runners.get(0).base.model().config();
            Map<String, List<Double>> gemm = new LinkedHashMap<>();
            for (int round = 0; round < setup.warmup() + setup.steps(); round++) {
                for (Runner r : runners) {
                    double ms = r.run(batch, labels);
                    if (round >= setup.warmup()) {
                        r.times.add(ms);
                    }
                }
                for (Runner r : runners) {
                    if (r.method.floor() && round >= setup.warmup()) {
                        gemm.computeIfAbsent(r.method.precision().label(), p -> new ArrayList<>()).add(GemmRate.gflops(
                                setup.batch() * setup.seq(), config.hiddenSize, config.intermediateSize, r.method.precision()));
                    }
                }
                if (progress != null) {
                    progress.printf("round %d/%d done%n", round + 1, setup.warmup() + setup.steps());
                    progress.flush();
                }
            }
            Map<String, List<Path>> traces = new LinkedHashMap<>();
            for (int k = 1; profileDir != null && k <= PROFILED_STEPS; k++) {
                for (Runner r : runners) {
                    Path trace = profileDir.resolve(r.method.name() + "." + k + ".trace.json");
                    JniUtils.startProfile(false, true, false);
                    try {
                        r.run(batch, labels);
                    } finally {
                        JniUtils.stopProfile(trace.toString());
                    }
                    traces.computeIfAbsent(r.method.name(), name -> new ArrayList<>()).add(trace);
                }
            }
            List<Result> out = new ArrayList<>();
            for (Runner r : runners) {
                out.add(new Result(r.method.name(), List.copyOf(r.times), r.model.trainableCount(),
                        traces.getOrDefault(r.method.name(), List.of())));
            }
            return new Run(out, gemm, GemmRate.floorStepFlops(config, setup.batch(), setup.seq()));
        } finally {
            runners.forEach(Runner::close);
        }
    }

    public static Map<String, Result> byName(List<Result> results) {
        Map<String, Result> m = new LinkedHashMap<>();
        results.forEach(r -> m.put(r.method(), r));
        return m;
    }
}
