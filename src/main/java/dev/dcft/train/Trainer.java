package dev.dcft.train;

import ai.djl.ndarray.NDManager;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Parameter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The training loop. Deterministic by construction: epoch {@code e}'s order comes from
 * {@code (seed, e)} and step {@code s}'s dropout masks from {@code (seed, s)}, so a run resumed
 * from a checkpoint replays exactly what the uninterrupted run would have done (same seed, same
 * thread count). Training batches keep their random composition and are padded only to their
 * own longest example; evaluation batches are sorted by length, which changes no prediction.
 */
public final class Trainer extends RunLoop {
    /** What a run produced. */
    public record Result(int steps, int bestStep, Map<String, Double> best, Map<String, Double> last, double trainSeconds,
            long tokens, boolean interrupted) {
        public double tokensPerSecond() {
            return trainSeconds > 0 ? tokens / trainSeconds : 0;
        }
    }

    /** Receives progress after every step: step, epoch, loss, learning rate, tokens/s. */
    public interface Progress {
        void update(int step, int total, int epoch, double loss, double tokensPerSecond);
    }

    private final TaskModel model;
    private final EncodedDataset train;
    private final List<EvalSet> dev;
    private final String baseModelName;
    /** Hears evaluation progress (inputs done of total); the CLI shows it in its progress bar. */
    public Evaluator.Progress evalProgress = (d, t) -> { };
    private Evaluator evaluator;
    private TrainingStep stepper;

    public Trainer(TrainConfig config, TaskModel model, EncodedDataset train, List<EvalSet> dev, RunDirectory run, String baseModelName) {
        super(config, run);
        this.model = model;
        this.train = train;
        this.dev = dev;
        this.baseModelName = baseModelName;
    }

    /** The trainable tensors (tests corrupt one to check divergence handling). */
    Map<String, Parameter> trainableForTest() {
        return model.trainable();
    }

    public Result run(boolean resume) throws IOException {
        Map<String, Parameter> params = model.trainable();
        NDManager optimizerState = model.base().manager().newSubManager();
        AdamW adam = groups(params, optimizerState);
        evaluator = new Evaluator(64, (d, t) -> evalProgress.update(d, t));
        dev.dcft.adapters.AuxiliaryLoss reg = model.spec().hasAdapters() ? model.spec().config().auxiliaryLoss() : null;
        stepper = new TrainingStep(model, params, adam, reg, config.clipNorm());
        return loop(params, adam, optimizerState, resume);
    }

    @Override
    protected int size() {
        return train.size();
    }

    @Override
    protected int length(int i) {
        return train.length(i);
    }

    @Override
    protected long tokens(int[] idx) {
        return train.tokens(idx);
    }

    @Override
    protected Step step(int[] idx, double lr, int shown) {
        model.setTraining(true);
        TrainingStep.Outcome out;
        try (NDManager scope = model.base().manager().newSubManager()) {
            TokenBatch tb = train.batch(idx);
            EncoderInput in = EncoderInput.of(scope, tb, model.encoder().config());
            List<dev.dcft.data.Example> batchExamples = new ArrayList<>();
            for (int i : idx) {
                batchExamples.add(train.example(i));
            }
            float[] targets = model.targets(batchExamples);
            out = stepper.run(scope, in, targets, lr, problem -> {
                throw new TrainingDivergedException(problem + " at step " + shown + "; the last good checkpoint"
                        + (Checkpoint.exists(run.checkpoint()) ? " is kept in " + run.checkpoint() : " was never written")
                        + " (lower --lr?)");
            });
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grad_norm", round(out.gradNorm(), 6));
        fields.put("grad_norm_adapter", round(out.adapterGradNorm(), 6));
        fields.put("grad_norm_head", round(out.headGradNorm(), 6));
        if (config.headRate() != config.lr()) {
            fields.put("head_lr", lr * headFactor());
        }
        return new Step(out.loss(), fields);
    }

    @Override
    protected Evaluation evaluate() {
        Evaluator.Evaluation evaluation = evaluator.evaluation(model, dev);
        Map<String, Object> fields = new LinkedHashMap<>();
        evaluation.metrics().forEach((k, v) -> fields.put("eval_" + k, round(v, 6)));
        fields.put("eval_one_class", evaluation.oneClass());
        return new Evaluation(evaluation.metrics(), fields);
    }

    @Override
    protected void saveBest() throws IOException {
        model.saveAdapter(run.adapter(), baseModelName);
        for (EvalSet set : dev) {
            if (set.onBest() != null) {
                set.onBest().run();
            }
        }
    }

    /**
     * The optimizer with two parameter groups: the head (pooler, classifier, qa_outputs) at
     * {@code --head-lr} and {@code --head-weight-decay}, everything else at {@code --lr} and
     * {@code --weight-decay}; both follow the same warmup and decay.
     */
    private AdamW groups(Map<String, Parameter> params, NDManager state) {
        AdamW.Group body = new AdamW.Group(1, config.weightDecay());
        AdamW.Group head = new AdamW.Group(headFactor(), config.headDecay());
        return new AdamW(params, state, 0.9, 0.999, 1e-8, name -> model.isHead(name) ? head : body);
    }

    /** The head's rate over the adapter's; 1 unless --head-lr says otherwise. */
    private double headFactor() {
        return config.headRate() == config.lr() ? 1 : config.headRate() / config.lr();
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** Epoch {@code epoch}'s example order: a permutation seeded by (seed, epoch), grouped by length if the run asks. */
    static int[] epochOrder(TrainConfig config, int n, int epoch, java.util.function.IntUnaryOperator length) {
        int[] order = permutation(n, config.seed() * 1_000_003L + epoch);
        return config.groupByLength() ? LengthGroupedOrder.of(order, length, config.batch()) : order;
    }

    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

}
