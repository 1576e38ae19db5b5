package dev.dcft.train;

import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.Parameter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The loop every run shares, whatever its task (the encoder {@link Trainer}, the causal-LM loop): epochs in an order
 * drawn from {@code (seed, epoch)}, step {@code s}'s randomness from {@code (seed, s)}, the linear schedule, a log line
 * per step, evaluation at {@code --eval-every}, at each epoch's end and at the last step, the best adapter kept,
 * checkpoints every {@code --save-every} steps and on a stop request, resume from a checkpoint. A resumed run replays
 * exactly what the uninterrupted one would have done (same seed, same thread count). What a step and an evaluation are
 * is the task's ({@link #step}, {@link #evaluate}, {@link #saveBest}).
 */
abstract class RunLoop implements Stoppable {
    /** One step's task loss and the fields it adds to its log line after the learning rate. */
    record Step(double loss, Map<String, Object> fields) {
    }

    /** An evaluation: its metrics (the run keeps the best {@code score}) and the fields it adds to the log line. */
    record Evaluation(Map<String, Double> metrics, Map<String, Object> fields) {
    }

    protected final TrainConfig config;
    protected final RunDirectory run;
    protected Trainer.Progress progress = (s, t, e, l, r) -> { };
    private volatile boolean stopRequested;
    private volatile int completedSteps;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Test hook: throws right after this step, as a SIGKILL would stop the process (nothing saved). */
    IntConsumer afterStep = s -> { };

    RunLoop(TrainConfig config, RunDirectory run) {
        this.config = config;
        this.run = run;
    }

    /** Training examples. */
    protected abstract int size();

    /** Example {@code i}'s length in tokens (for --group-by-length). */
    protected abstract int length(int i);

    /** Tokens in examples {@code idx} (for tokens/s). */
    protected abstract long tokens(int[] idx);

    /** One optimisation step on examples {@code idx} at {@code lr}; {@code shown} is its 1-based number, for messages. */
    protected abstract Step step(int[] idx, double lr, int shown);

    protected abstract Evaluation evaluate() throws IOException;

    /** Saves what the best evaluation so far was made with (the adapter). */
    protected abstract void saveBest() throws IOException;

    public int stepsPerEpoch() {
        return (size() + config.batch() - 1) / config.batch();
    }

    public int totalSteps() {
        return config.maxSteps() > 0 ? config.maxSteps() : (int) Math.ceil(config.epochs() * stepsPerEpoch());
    }

    @Override
    public int completedSteps() {
        return completedSteps;
    }

    @Override
    public void requestStop(long waitSeconds) {
        stopRequested = true;
        try {
            stopped.await(waitSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void setProgress(Trainer.Progress progress) {
        this.progress = progress;
    }

    /** Runs (or resumes) the loop over {@code params} with {@code adam}, whose state lives in {@code optimizerState}. */
    protected Trainer.Result loop(Map<String, Parameter> params, AdamW adam, NDManager optimizerState, boolean resume) throws IOException {
        try {
            int total = totalSteps();
            LinearSchedule schedule = new LinearSchedule(config.lr(), config.warmup(total), total);
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
            Engines.gradientsOff();
            while (step < total) {
                int epoch = step / perEpoch;
                if (epoch != orderEpoch) {
                    order = Trainer.epochOrder(config, size(), epoch, this::length);
                    orderEpoch = epoch;
                }
                int pos = (step % perEpoch) * config.batch();
                int[] idx = java.util.Arrays.copyOfRange(order, pos, Math.min(order.length, pos + config.batch()));
                long t0 = System.nanoTime();
                double lr = schedule.at(step);
                Engines.seed((int) (config.seed() * 7919 + step));
                Step out = step(idx, lr, step + 1);
                tokens += tokens(idx);
                seconds += (System.nanoTime() - t0) / 1e9;
                step++;
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("step", step);
                entry.put("epoch", Trainer.round((double) step / perEpoch, 4));
                entry.put("loss", Trainer.round(out.loss(), 6));
                entry.put("lr", lr);
                entry.putAll(out.fields());
                if ((config.evalEvery() > 0 && step % config.evalEvery() == 0) || step % perEpoch == 0 || step == total) {
                    Evaluation evaluation = evaluate();
                    last = evaluation.metrics();
                    lastEval = step;
                    entry.putAll(evaluation.fields());
                    if (last.get("score") > bestScore) {
                        bestScore = last.get("score");
                        bestStep = step;
                        best = last;
                        saveBest();
                    }
                }
                run.appendLog(entry);
                progress.update(step, total, epoch + 1, out.loss(), seconds > 0 ? tokens / seconds : 0);
                boolean save = (config.saveEvery() > 0 && step % config.saveEvery() == 0) || stopRequested;
                if (save && step < total) {
                    Checkpoint.save(run.checkpoint(), new Checkpoint.State(step, adam.steps(), bestScore, bestStep, best, seconds, tokens, last,
                            lastEval), params, adam);
                }
                completedSteps = step;
                afterStep.accept(step);
                if (stopRequested && step < total) {
                    return new Trainer.Result(step, bestStep, best, last, seconds, tokens, true);
                }
            }
            return new Trainer.Result(step, bestStep, best, last, seconds, tokens, false);
        } finally {
            optimizerState.close();
            stopped.countDown();
        }
    }
}
