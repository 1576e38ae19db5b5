package dev.dcft.spark;

import dev.dcft.engine.Precision;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.train.Predictor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor JVM loads once and every task in it shares: predictors keyed by (model, adapter, precision), embedders
 * keyed by (model, precision). {@link ConcurrentHashMap#computeIfAbsent} makes concurrent tasks of a new key wait for one
 * load instead of loading twice; callers run a shared model under its lock (one forward pass at a time; each pass
 * already uses the executor's cores).
 */
final class ExecutorModels {
    static {
        // Nothing is downloaded on an executor: the engine's native library comes in the jar (README, "On a Spark cluster").
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private static final Map<String, Predictor> PREDICTORS = new ConcurrentHashMap<>();
    private static final Map<String, LoadedModel> EMBEDDERS = new ConcurrentHashMap<>();
    private static final Map<String, QaModel> QA = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    /** A SQuAD run's model with the settings its answers depend on (length, stride, answer length, v2 threshold). */
    record QaModel(dev.dcft.train.TaskModel model, dev.dcft.train.TrainConfig config) {
    }

    /** Models this JVM has loaded so far (what the benchmark counts: one per executor and key). */
    static int loads() {
        return LOADS.get();
    }

    private ExecutorModels() {
    }

    /** A run's or adapter directory's predictor on {@code model} (null: the run's own base). */
    static Predictor predictor(String model, String adapter, String precision) {
        String key = model + "\u0000" + adapter + "\u0000" + precision;
        return PREDICTORS.computeIfAbsent(key, k -> {
            LOADS.incrementAndGet();
            try {
                return Predictor.open(model == null ? null : localModel(model), LocalCopies.local(adapter), Precision.parse(precision));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A base model for sentence embeddings. */
    static LoadedModel embedder(String model, String precision) {
        return EMBEDDERS.computeIfAbsent(model + "\u0000" + precision, k -> {
            LOADS.incrementAndGet();
            return ModelLoader.load(localModel(model), Precision.parse(precision));
        });
    }

    /** A SQuAD run directory's model on {@code model} (null: the run's own base). */
    static QaModel qa(String model, String run, String precision) {
        return QA.computeIfAbsent(model + "\u0000" + run + "\u0000" + precision, k -> {
            LOADS.incrementAndGet();
            java.nio.file.Path dir = LocalCopies.local(run);
            try {
                dev.dcft.train.TrainConfig c = new dev.dcft.train.RunDirectory(dir).readConfig();
                if (!c.isSquad()) {
                    throw new IllegalArgumentException(run + " is a " + c.task() + " run, not a question-answering (SQuAD) run: use DcftPredictor");
                }
                return new QaModel(dev.dcft.train.TaskRun.load(dir, model == null ? null : localModel(model), Precision.parse(precision)), c);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** An embedded model's name stays a name; a directory URI becomes a local path. */
    private static String localModel(String model) {
        return LocalCopies.isRemote(model) || model.startsWith("file:") ? LocalCopies.local(model).toString() : model;
    }
}
