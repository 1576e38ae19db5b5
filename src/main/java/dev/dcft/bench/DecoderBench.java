package dev.dcft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.model.decoder.GenerationOptions;
import dev.dcft.model.decoder.Generator;
import dev.dcft.model.llama.LlamaConfig;
import dev.dcft.model.llama.LlamaModel;
import dev.dcft.model.nn.FrozenBf16;
import dev.dcft.model.nn.Parameter;
import dev.dcft.train.AdamW;
import dev.dcft.train.CausalLmRun;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training steps and generation speed of a random decoder of a given shape (issue 25's Qwen2.5-0.5B row:
 * {@code 24,896,4864,14,2,151936}): every method on its own copy of the same random base, steps interleaved
 * round-robin as {@link TrainingStepBench} does for encoders, next-token loss on every token, all seven projections
 * adapted; then greedy generation (batch 1, KV cache) of the base, and of each adapter unmerged, interleaved too.
 */
public final class DecoderBench {
    /** PEFT's names for every projection of a Llama-family layer. */
    public static final List<String> ALL_PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** LAYERS,HIDDEN,FFN,HEADS,KV_HEADS,VOCAB. */
    public record Shape(int layers, int hidden, int ffn, int heads, int kvHeads, int vocab) {
        public static Shape parse(String s) {
            String[] p = s.split(",");
            if (p.length != 6) {
                throw new IllegalArgumentException("--decoder-shape is LAYERS,HIDDEN,FFN,HEADS,KV_HEADS,VOCAB (Qwen2.5-0.5B:"
                        + " 24,896,4864,14,2,151936), got '" + s + "'");
            }
            int[] v = new int[6];
            for (int i = 0; i < 6; i++) {
                v[i] = Integer.parseInt(p[i].trim());
                if (v[i] < 1) {
                    throw new IllegalArgumentException("--decoder-shape: every number must be >= 1, got '" + s + "'");
                }
            }
            return new Shape(v[0], v[1], v[2], v[3], v[4], v[5]);
        }

        /** A Qwen2 config.json of this shape (q/k/v biases, tied embeddings, as Qwen2.5-0.5B). */
        public ObjectNode config() {
            ObjectNode c = new ObjectMapper().createObjectNode();
            c.put("model_type", "qwen2").put("vocab_size", vocab).put("hidden_size", hidden).put("intermediate_size", ffn)
                    .put("num_hidden_layers", layers).put("num_attention_heads", heads).put("num_key_value_heads", kvHeads)
                    .put("max_position_embeddings", 32768).put("rms_norm_eps", 1e-6).put("tie_word_embeddings", true)
                    .put("hidden_act", "silu").put("rope_theta", 1000000.0);
            return c;
        }

        @Override
        public String toString() {
            return layers + "," + hidden + "," + ffn + "," + heads + "," + kvHeads + "," + vocab;
        }
    }

    public record Result(String method, List<Double> stepMs, long trainable, List<Double> generationTokensPerS) {
    }

    private DecoderBench() {
    }

    /** A random base of {@code shape}: weights N(0, 0.02^2) drawn by the engine from {@code seed}, norms 1. */
    static LlamaModel randomModel(NDManager manager, Shape shape, long seed, Precision precision) {
        LlamaModel model = new LlamaModel(manager, LlamaConfig.fromJson(shape.config(), "--decoder-shape " + shape));
        Engines.seed((int) seed);
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            NDArray v = e.getKey().endsWith("norm.weight") ? manager.ones(p.value().getShape())
                    : manager.randomNormal(0f, 0.02f, p.value().getShape(), ai.djl.ndarray.types.DataType.FLOAT32);
            p.set(v);
        }
        if (precision == Precision.BF16) {
            FrozenBf16.cast(model);
        }
        return model;
    }

    private static final class Runner implements AutoCloseable {
        final BenchMethod method;
        final NDManager manager = Engines.newManager();
        final LlamaModel model;
        final Map<String, Parameter> params = new LinkedHashMap<>();
        final AdamW adam;
        final CausalLmRun.Regularised auxiliary;
        final List<Double> times = new ArrayList<>();
        final List<Double> generation = new ArrayList<>();

        Runner(BenchMethod method, Shape shape) {
            this.method = method;
            this.model = randomModel(manager, shape, 42, method.precision());
            if (method.spec().hasAdapters()) {
                Adapters.apply(model, method.spec(), manager, 42);
            }
            model.setBackpropToEmbeddings(method.floor());
            model.namedParameters().forEach((k, p) -> {
                if (p.trainable()) {
                    params.put(k, p);
                }
            });
            params.values().forEach(p -> p.value().setRequiresGradient(true));
            adam = new AdamW(params, manager.newSubManager(), 0.9, 0.999, 1e-8, 0.0);
            auxiliary = CausalLmRun.Regularised.of(method.spec(), model);
        }

        double step(long[][] ids, long[][] mask, long[][] positions, boolean[][] trained) {
            model.setTraining(true);
            long t0 = System.nanoTime();
            try (NDManager scope = manager.newSubManager()) {
                CausalLmRun.trainingStep(scope, model, ids, mask, positions, trained, params, adam, auxiliary, 1.0, 1e-4, problem -> {
                    throw new IllegalStateException(method.name() + ": " + problem);
                });
            }
            return (System.nanoTime() - t0) / 1e6;
        }

        /** New tokens per second of a greedy generation of {@code newTokens} after {@code prompt} (prefill included). */
        double generate(long[] prompt, int newTokens) {
            model.setTraining(false);
            Generator g = new Generator(model, manager, model.config().maxPositions(), new long[0]);
            long t0 = System.nanoTime();
            long[] out = g.generate(prompt, GenerationOptions.greedy(newTokens), id -> { });
            return out.length / ((System.nanoTime() - t0) / 1e9);
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * Runs {@code warmup + steps} rounds of training steps on one random batch {@code [batch, seq]}, then (with
     * {@code newTokens > 0}) {@code genRounds} rounds of greedy generation after a {@code promptTokens}-token prompt.
     * The floor and adapters get the same base and batch.
     */
    public static List<Result> run(Shape shape, List<BenchMethod> methods, int batch, int seq, int steps, int warmup, int promptTokens,
            int newTokens, int genRounds, PrintWriter progress) {
        Engines.gradientsOff();
        SplittableRandom r = new SplittableRandom(7);
        long[][] ids = new long[batch][seq];
        long[][] mask = new long[batch][seq];
        long[][] positions = new long[batch][seq];
        boolean[][] trained = new boolean[batch][seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                ids[b][t] = r.nextInt(shape.vocab());
                mask[b][t] = 1;
                positions[b][t] = t;
                trained[b][t] = true;
            }
        }
        long[] prompt = new long[promptTokens];
        for (int t = 0; t < promptTokens; t++) {
            prompt[t] = r.nextInt(shape.vocab());
        }
        List<Runner> runners = new ArrayList<>();
        try {
            for (BenchMethod m : methods) {
                runners.add(new Runner(m, shape));
            }
            for (int round = 0; round < warmup + steps; round++) {
                for (Runner x : runners) {
                    double ms = x.step(ids, mask, positions, trained);
                    if (round >= warmup) {
                        x.times.add(ms);
                    }
                }
                if (progress != null) {
                    progress.printf("training round %d/%d done%n", round + 1, warmup + steps);
                    progress.flush();
                }
            }
            for (int round = 0; newTokens > 0 && round < genRounds + 1; round++) {
                for (Runner x : runners) {
                    // The floor's model is the base: its generation is the base's speed.
                    double tps = x.generate(prompt, newTokens);
                    if (round > 0) {
                        x.generation.add(tps);
                    }
                }
                if (progress != null) {
                    progress.printf("generation round %d/%d done%n", round + 1, genRounds + 1);
                    progress.flush();
                }
            }
            List<Result> out = new ArrayList<>();
            for (Runner x : runners) {
                long trainable = x.params.values().stream().mapToLong(p -> p.value().size()).sum();
                out.add(new Result(x.method.name(), List.copyOf(x.times), trainable, List.copyOf(x.generation)));
            }
            return out;
        } finally {
            runners.forEach(Runner::close);
        }
    }

    /** The bench methods' adapters target every projection of a decoder layer. */
    public static TargetModules targets() {
        return TargetModules.names(ALL_PROJECTIONS);
    }
}
