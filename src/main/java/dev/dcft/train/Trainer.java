package dev.dcft.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Parameter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The training loop. Deterministic by construction: epoch {@code e}'s order comes from
 * {@code (seed, e)} and step {@code s}'s dropout masks from {@code (seed, s)}, so a run resumed
 * from a checkpoint replays exactly what the uninterrupted run would have done (same seed, same
 * thread count). Training batches keep their random composition and are padded only to their
 * own longest example; evaluation batches are sorted by length, which changes no prediction.
 */
public final class Trainer implements Stoppable {
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

    private final TrainConfig config;
    private final TaskModel model;
    private final EncodedDataset train;
    private final List<EvalSet> dev;
    private final RunDirectory run;
    private final String baseModelName;
    private Progress progress = (s, t, e, l, r) -> { };
    private volatile boolean stopRequested;
    private volatile int completedSteps;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Test hook: throws right after this step, as a SIGKILL would stop the process (nothing saved). */
    IntConsumer afterStep = s -> { };
    /** Hears evaluation progress (inputs done of total); the CLI shows it in its progress bar. */
    public Evaluator.Progress evalProgress = (d, t) -> { };

    public Trainer(TrainConfig config, TaskModel model, EncodedDataset train, List<EvalSet> dev, RunDirectory run, String baseModelName) {
        this.config = config;
        this.model = model;
        this.train = train;
        this.dev = dev;
        this.run = run;
        this.baseModelName = baseModelName;
    }

    /** The trainable tensors (tests corrupt one to check divergence handling). */
    Map<String, Parameter> trainableForTest() {
        return model.trainable();
    }

    public void setProgress(Progress progress) {
        this.progress = progress;
    }

    public int stepsPerEpoch() {
        return (train.size() + config.batch() - 1) / config.batch();
    }

    public int totalSteps() {
        return config.maxSteps() > 0 ? config.maxSteps() : (int) Math.ceil(config.epochs() * stepsPerEpoch());
    }

    /** Steps finished so far. */
    @Override
    public int completedSteps() {
        return completedSteps;
    }

    /** Asks the loop to save a checkpoint and stop after the current step; waits for it (Ctrl-C). */
    @Override
    public void requestStop(long waitSeconds) {
        stopRequested = true;
        try {
            stopped.await(waitSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Result run(boolean resume) throws IOException {
        try {
            return loop(resume);
        } finally {
            stopped.countDown();
        }
    }

    private Result loop(boolean resume) throws IOException {
        Map<String, Parameter> params = model.trainable();
        NDManager optimizerState = model.base().manager().newSubManager();
        AdamW adam = groups(params, optimizerState);
        Evaluator evaluator = new Evaluator(64, (d, t) -> evalProgress.update(d, t));
        int total = totalSteps();
        LinearSchedule schedule = new LinearSchedule(config.lr(), config.warmup(total), total);
        dev.dcft.adapters.AuxiliaryLoss reg = model.spec().hasAdapters() ? model.spec().config().auxiliaryLoss() : null;

        Checkpoint.State state = new Checkpoint.State(0, 0, Double.NEGATIVE_INFINITY, -1, Map.of(), 0, 0, Map.of(), -1);
        if (resume) {
            state = Checkpoint.load(run.checkpoint(), params, adam);
            run.truncateLog(state.step());
        }
        for (Parameter p : params.values()) {
            p.value().setRequiresGradient(true);
        }
        int step = state.step();
        double bestScore = state.bestScore();
        int bestStep = state.bestStep();
        Map<String, Double> best = state.bestMetrics();
        Map<String, Double> last = state.lastMetrics();
        int lastEval = state.lastEvalStep();
        double seconds = state.trainSeconds();
        long tokens = state.tokens();
        int perEpoch = stepsPerEpoch();
        int[] order = null;
        int orderEpoch = -1;
        TrainingStep stepper = new TrainingStep(model, params, adam, reg, config.clipNorm());
        Engines.gradientsOff();

        while (step < total) {
            int epoch = step / perEpoch;
            if (epoch != orderEpoch) {
                order = epochOrder(config, train.size(), epoch, train::length);
                orderEpoch = epoch;
            }
            int pos = (step % perEpoch) * config.batch();
            int[] idx = java.util.Arrays.copyOfRange(order, pos, Math.min(order.length, pos + config.batch()));
            long t0 = System.nanoTime();
            double lossValue;
            TrainingStep.Outcome outcome;
            double lr = schedule.at(step);
            Engines.seed((int) (config.seed() * 7919 + step));
            model.setTraining(true);
            try (NDManager scope = model.base().manager().newSubManager()) {
                TokenBatch tb = train.batch(idx);
                EncoderInput in = EncoderInput.of(scope, tb, model.encoder().config());
                List<dev.dcft.data.Example> batchExamples = new ArrayList<>();
                for (int i : idx) {
                    batchExamples.add(train.example(i));
                }
                float[] targets = model.targets(batchExamples);
                int shown = step + 1;
                TrainingStep.Outcome out = stepper.run(scope, in, targets, lr, problem -> {
                    throw new TrainingDivergedException(problem + " at step " + shown + "; the last good checkpoint"
                            + (Checkpoint.exists(run.checkpoint()) ? " is kept in " + run.checkpoint() : " was never written")
                            + " (lower --lr?)");
                });
                lossValue = out.loss();
                outcome = out;
            }
            tokens += train.tokens(idx);
            seconds += (System.nanoTime() - t0) / 1e9;
            step++;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step);
            entry.put("epoch", round((double) step / perEpoch, 4));
            entry.put("loss", round(lossValue, 6));
            entry.put("lr", lr);
            entry.put("grad_norm", round(outcome.gradNorm(), 6));
            entry.put("grad_norm_adapter", round(outcome.adapterGradNorm(), 6));
            entry.put("grad_norm_head", round(outcome.headGradNorm(), 6));
            if (config.headRate() != config.lr()) {
                entry.put("head_lr", lr * headFactor());
            }
            boolean endOfEpoch = step % perEpoch == 0;
            if ((config.evalEvery() > 0 && step % config.evalEvery() == 0) || endOfEpoch || step == total) {
                Evaluator.Evaluation evaluation = evaluator.evaluation(model, dev);
                last = evaluation.metrics();
                lastEval = step;
                last.forEach((k, v) -> entry.put("eval_" + k, round(v, 6)));
                entry.put("eval_one_class", evaluation.oneClass());
                if (last.get("score") > bestScore) {
                    bestScore = last.get("score");
                    bestStep = step;
                    best = last;
                    model.saveAdapter(run.adapter(), baseModelName);
                    for (EvalSet set : dev) {
                        if (set.onBest() != null) {
                            set.onBest().run();
                        }
                    }
                }
            }
            run.appendLog(entry);
            progress.update(step, total, epoch + 1, lossValue, seconds > 0 ? tokens / seconds : 0);
            boolean save = (config.saveEvery() > 0 && step % config.saveEvery() == 0) || stopRequested;
            if (save && step < total) {
                Checkpoint.save(run.checkpoint(), new Checkpoint.State(step, adam.steps(), bestScore, bestStep, best, seconds,
                        tokens, last, lastEval), params, adam);
            }
            completedSteps = step;
            afterStep.accept(step);
            if (stopRequested && step < total) {
                optimizerState.close();
                return new Result(step, bestStep, best, last, seconds, tokens, true);
            }
        }
        optimizerState.close();
        return new Result(step, bestStep, best, last, seconds, tokens, false);
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
