package dev.dcft.api;

import dev.dcft.train.BatchPrediction;
import dev.dcft.train.Predictor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuned model: its base encoder with the run's best adapter and task head. {@link #predict}
 * is safe to call from many threads at once; they share the one base model in memory.
 */
public final class Classifier implements AutoCloseable {
    private final Predictor predictor;
    private final Path runDir;

    Classifier(Predictor predictor, Path runDir) {
        this.predictor = predictor;
        this.runDir = runDir;
    }

    /** The label names in id order (empty for regression). */
    public List<String> labels() {
        return predictor.task().labels();
    }

    /** classification, regression or multi-label. */
    public String taskType() {
        return predictor.task().type().cliName();
    }

    /** Whether inputs are text pairs. */
    public boolean pairs() {
        return predictor.task().pairs();
    }

    public Prediction predict(String text) {
        return predict(List.of(text)).get(0);
    }

    /** Labels texts (pair tasks: {@link #predictPairs}). */
    public List<Prediction> predict(List<String> texts) {
        List<Predictor.Input> in = new ArrayList<>();
        for (String t : texts) {
            in.add(new Predictor.Input(t, null));
        }
        return convert(predictor.predict(in));
    }

    /** Labels text pairs: {@code first.get(i)} with {@code second.get(i)}. */
    public List<Prediction> predictPairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("pair lists differ in length");
        }
        List<Predictor.Input> in = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            in.add(new Predictor.Input(first.get(i), second.get(i)));
        }
        return convert(predictor.predict(in));
    }

    /** The JSON object {@code dcft predict --output x.jsonl} writes for this prediction. */
    public String toJson(Prediction p) {
        try {
            return BatchPrediction.jsonLine(predictor.task(), new Predictor.Prediction(p.label(), p.score(), p.probabilities(), p.labels()))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run directory: {@code adapter/} (PEFT layout, head included), {@code metrics.json}, {@code config.json}. */
    public Path runDir() {
        return runDir;
    }

    /** The run's adapter directory, to share or to {@link Dcft#merge merge}. */
    public Path adapterDir() {
        return runDir.resolve("adapter");
    }

    private static List<Prediction> convert(List<Predictor.Prediction> ps) {
        List<Prediction> out = new ArrayList<>(ps.size());
        for (Predictor.Prediction p : ps) {
            out.add(new Prediction(p.label(), p.score(), p.probabilities(), p.labels()));
        }
        return out;
    }

    @Override
    public void close() {
        predictor.close();
    }
}
