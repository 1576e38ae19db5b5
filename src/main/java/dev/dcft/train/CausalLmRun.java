package dev.dcft.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.data.causal.CausalExample;
import dev.dcft.data.causal.CausalLmData;
import dev.dcft.engine.Precision;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.decoder.CausalLmLoss;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.llama.LlamaModel;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fine-tuning a decoder as a causal LM on the user's JSONL ({@code dcft train --task causal-lm --train FILE [--dev FILE]}):
 * the adapter on the decoder's projections (PEFT's default targets for Llama-family models: q_proj and v_proj), next-token
 * loss on the tokens {@link CausalLmData} marks, batches of similar length, the dev loss and perplexity after every epoch
 * (and every --eval-every steps), the best adapter saved as PEFT writes a {@code CAUSAL_LM} adapter. The run directory,
 * checkpoints, resume, log and curves are those of the encoder runs ({@link RunDirectory}).
 */
public final class CausalLmRun {
    /** PEFT's default LoRA targets for llama, mistral and qwen2. */
    public static final List<String> DEFAULT_TARGETS = dev.dcft.model.llama.LlamaArchitecture.TARGET_MODULES;

    private CausalLmRun() {
    }

    public static TaskRun.Outcome train(TrainConfig config, RunDirectory run, boolean resume, boolean overwrite, Trainer.Progress progress,
            Consumer<String> notes, Consumer<Stoppable> onStart) throws IOException {
        if (config.data() == null || config.data().trainFile() == null) {
            throw new IllegalArgumentException("--task causal-lm needs --train FILE (JSONL with text, prompt/completion or messages)");
        }
        AdapterSpec spec = config.spec(DEFAULT_TARGETS);
        if (!spec.hasAdapters() && !spec.isFull()) {
            throw new IllegalArgumentException("--method head-only has no head to train on a causal LM: use an adapter method or full");
        }
        Precision precision = TaskRun.basePrecision(config, notes).precision();
        try (Decoder decoder = Decoder.load(Path.of(config.model()), null, precision)) {
            long[] stops = decoder.stopIds();
            Long eos = stops.length > 0 ? stops[0] : null;
            CausalLmData.Loaded train = CausalLmData.read(Path.of(config.data().trainFile()), decoder.tokenizer(), eos, config.maxLen(),
                    config.skipBadRows());
            List<CausalExample> trainSet = TaskRun.limit(train.examples(), config.trainLimit());
            List<CausalExample> dev;
            if (config.data().devFile() != null) {
                dev = CausalLmData.read(Path.of(config.data().devFile()), decoder.tokenizer(), eos, config.maxLen(), config.skipBadRows())
                        .examples();
            } else {
                // A seeded 10% of --train (at least one row) when no --dev is given.
                List<CausalExample> shuffled = new ArrayList<>(trainSet);
                java.util.Collections.shuffle(shuffled, new java.util.Random(config.seed()));
                int n = Math.max(1, (int) Math.round(shuffled.size() * (config.heldOut() ? config.holdout() : 0.1)));
                if (shuffled.size() - n < 1) {
                    throw new IllegalArgumentException("too few rows (" + shuffled.size() + ") in " + config.data().trainFile()
                            + " to hold out a dev split: give --dev FILE");
                }
                dev = new ArrayList<>(shuffled.subList(0, n));
                trainSet = new ArrayList<>(shuffled.subList(n, shuffled.size()));
                notes.accept(String.format("no --dev: a seeded (%d) %d of %d rows held out for evaluation", config.seed(), n, shuffled.size()));
            }
            dev = TaskRun.limit(dev, config.evalLimit());
            notes.accept(String.format("%s rows: %,d train, %,d dev; %d cut at --max-len %d; %d skipped", train.shape(), trainSet.size(),
                    dev.size(), train.truncated(), config.maxLen(), train.skipped()));
            resume = TaskRun.prepare(run, config, resume, overwrite, notes);
            LlamaModel model = decoder.model();
            List<String> injected = Adapters.apply(model, spec, decoder.manager(), config.seed());
            notes.accept(spec.hasAdapters() ? injected.size() + " adapted layers (" + spec.describe() + ")" : "full fine-tuning");
            Loop loop = new Loop(config, decoder, spec, trainSet, dev, run, progress);
            onStart.accept(loop);
            Trainer.Result r = loop.run(resume);
            long trainable = loop.params.values().stream().mapToLong(p -> p.value().size()).sum();
            if (!r.interrupted()) {
                TaskRun.writeMetrics(run, config, r, trainable);
                Curves.write(run.curves(), run.readLog(), "dev loss (assistant/completion tokens)", "eval_loss", "mean NLL");
            }
            return new TaskRun.Outcome(r, trainable, trainSet.size(), train.skipped(), run.dir());
        }
    }

    /** The causal-LM task in the shared loop ({@link RunLoop}): next-token steps, dev loss and perplexity, the adapter saved. */
    static final class Loop extends RunLoop {
        final Decoder decoder;
        final AdapterSpec spec;
        final List<CausalExample> train;
        final List<CausalExample> dev;
        final Map<String, Parameter> params = new LinkedHashMap<>();
        /** The method's extra loss (DCFT's orthogonality regulariser), as the encoder trainer adds it; null for none. */
        final Regularised auxiliary;
        private AdamW adam;

        Loop(TrainConfig c, Decoder decoder, AdapterSpec spec, List<CausalExample> train, List<CausalExample> dev, RunDirectory run,
                Trainer.Progress progress) {
            super(c, run);
            this.decoder = decoder;
            this.spec = spec;
            this.train = train;
            this.dev = dev;
            this.progress = progress;
            decoder.model().namedParameters().forEach((k, p) -> {
                if (p.trainable()) {
                    params.put(k, p);
                }
            });
            this.auxiliary = Regularised.of(spec, decoder.model());
        }

        Trainer.Result run(boolean resume) throws IOException {
            NDManager state = decoder.manager().newSubManager();
            adam = new AdamW(params, state, 0.9, 0.999, 1e-8, config.weightDecay());
            return loop(params, adam, state, resume);
        }

        @Override
        protected int size() {
            return train.size();
        }

        @Override
        protected int length(int i) {
            return train.get(i).length();
        }

        @Override
        protected long tokens(int[] idx) {
            long n = 0;
            for (int i : idx) {
                n += train.get(i).length();
            }
            return n;
        }

        /** One step on examples {@code idx}: the loss, and the gradient norm before clipping for the log. */
        @Override
        protected Step step(int[] idx, double lr, int shown) {
            double[] out;
            try (NDManager scope = decoder.manager().newSubManager()) {
                Batch b = batchOf(train, idx);
                out = trainingStep(scope, decoder.model(), b.ids, b.mask, b.positions, b.trained, params, adam, auxiliary, config.clipNorm(),
                        lr, problem -> {
                            throw new TrainingDivergedException(problem + " at step " + shown + " (lower --lr?)");
                        });
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("grad_norm", Trainer.round(out[1], 6));
            return new Step(out[0], fields);
        }

        /** Mean NLL of the dev set's marked tokens, its perplexity, and the score (-NLL) the best adapter is chosen by. */
        @Override
        protected Evaluation evaluate() {
            double loss = devLoss();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("loss", loss);
            metrics.put("perplexity", Math.exp(loss));
            metrics.put("score", -loss);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("eval_loss", Trainer.round(loss, 6));
            fields.put("eval_perplexity", Trainer.round(Math.exp(loss), 4));
            return new Evaluation(metrics, fields);
        }

        @Override
        protected void saveBest() throws IOException {
            PeftAdapterFiles.save(run.adapter(), spec, config.model(), decoder.model(), Map.of(), List.of(), "CAUSAL_LM", true);
        }

        /** Mean NLL of the dev set's marked tokens. */
        double devLoss() {
            double sum = 0;
            long n = 0;
            for (int from = 0; from < dev.size(); from += 16) {
                int[] idx = new int[Math.min(16, dev.size() - from)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                try (NDManager scope = decoder.manager().newSubManager()) {
                    Batch b = batchOf(dev, idx);
                    sum += CausalLmLoss.summedNll(scope, decoder.model().logits(scope, b.ids, b.mask, b.positions), b.ids, b.trained).getFloat();
                    n += CausalLmLoss.scored(b.trained);
                }
            }
            return sum / Math.max(1, n);
        }
    }

    /**
     * One optimisation step of a causal LM (what the loop runs and {@code dcft bench --decoder-shape} times): next-token
     * loss averaged over the {@code trained} tokens, backward, clipping to {@code clipNorm}, AdamW at {@code lr}. A
     * non-finite loss or gradient goes to {@code onBad} before any parameter changes. Returns the loss and the gradient
     * norm before clipping.
     */
    public static double[] trainingStep(NDManager scope, LlamaModel model, long[][] ids, long[][] mask, long[][] positions,
            boolean[][] trained, Map<String, Parameter> params, AdamW adam, Regularised auxiliary, double clipNorm, double lr,
            Consumer<String> onBad) {
        NDArray loss;
        NDArray objective;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray logits = model.logits(scope, ids, mask, positions);
            // Scalars.div: DJL's div(Number) frees its scalar before backward reads it (NaN gradients at random steps).
            loss = Scalars.div(CausalLmLoss.summedNll(scope, logits, ids, trained), Math.max(1, CausalLmLoss.scored(trained)));
            NDArray extra = auxiliary == null ? null : auxiliary.loss().loss(scope, auxiliary.layers());
            objective = extra == null ? loss : loss.add(extra);
            gc.backward(objective);
        }
        double value = loss.getFloat();
        double objectiveValue = objective.getFloat();
        if (!Double.isFinite(objectiveValue)) {
            onBad.accept("the loss became " + objectiveValue);
        }
        double norm = TrainingStep.applyGradients(scope, params, java.util.Set.of(), adam, clipNorm, lr, value, onBad)[0];
        return new double[] {value, norm};
    }

    /**
     * The method's auxiliary loss with the adapter layers it reads: DCFT's orthogonality regulariser on the decoder's
     * DCFT layers (SPEC section 2), which the encoder trainer adds through {@link TrainingStep} too.
     */
    public record Regularised(dev.dcft.adapters.AuxiliaryLoss loss, java.util.Collection<dev.dcft.adapters.AdapterLayer> layers) {
        /** Null when the method adds nothing (LoRA, full fine-tuning). */
        public static Regularised of(AdapterSpec spec, LlamaModel model) {
            dev.dcft.adapters.AuxiliaryLoss loss = spec.hasAdapters() ? spec.config().auxiliaryLoss() : null;
            return loss == null ? null : new Regularised(loss, List.copyOf(Adapters.layers(model).values()));
        }
    }

    /** A right-padded batch: ids, mask (1 real), positions, and which tokens carry loss. */
    record Batch(long[][] ids, long[][] mask, long[][] positions, boolean[][] trained) {
    }

    static Batch batchOf(List<CausalExample> examples, int[] idx) {
        int t = 0;
        for (int i : idx) {
            t = Math.max(t, examples.get(i).length());
        }
        long[][] ids = new long[idx.length][t];
        long[][] mask = new long[idx.length][t];
        long[][] pos = new long[idx.length][t];
        boolean[][] trained = new boolean[idx.length][t];
        for (int r = 0; r < idx.length; r++) {
            CausalExample e = examples.get(idx[r]);
            for (int j = 0; j < t; j++) {
                boolean real = j < e.length();
                ids[r][j] = real ? e.ids()[j] : 0;
                mask[r][j] = real ? 1 : 0;
                pos[r][j] = real ? j : 0;
                trained[r][j] = real && e.trained()[j];
            }
        }
        return new Batch(ids, mask, pos, trained);
    }
}
