package dev.dcft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.data.DataLocator;
import dev.dcft.data.Example;
import dev.dcft.data.Metric;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.TaskType;
import dev.dcft.data.squad.QaFeatures;
import dev.dcft.data.squad.SquadQuestion;
import dev.dcft.data.squad.SquadReader;
import dev.dcft.data.squad.SquadSplits;
import dev.dcft.io.AtomicFiles;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SQuAD v1.1 ({@code squad}) and v2.0 ({@code squad2}) as a run's data: the files (given, or
 * {@code <data>/squad/v1.1|v2.0/{train,dev}.json}; with no training file, the article split of v1.1
 * dev, said in the run's notes), the windows the model sees, and the evaluation that assembles
 * answers across windows and scores them as the official scripts do.
 */
public final class SquadTask {
    /** Default post-processing: 20 best starts and ends, answers of at most 30 tokens. */
    public static final int N_BEST = 20;
    public static final int MAX_ANSWER_LENGTH = 30;
    public static final int DOC_STRIDE = 128;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The questions to train on and to evaluate, and what was decided about them. */
    public record Data(List<SquadQuestion> train, List<SquadQuestion> eval, int skipped, List<String> notes) {
    }

    private SquadTask() {
    }

    public static TaskSpec spec(boolean v2) {
        return new TaskSpec(v2 ? "squad2" : "squad", TaskType.QUESTION_ANSWERING, List.of(), true,
                List.of(Metric.EXACT_MATCH, Metric.SQUAD_F1));
    }

    public static Data load(TrainConfig c, Path dataDir) {
        boolean v2 = c.isSquadV2();
        DataConfig d = c.data();
        boolean skip = c.skipBadRows();
        List<String> notes = new ArrayList<>();
        int[] skipped = {0};
        Path trainFile = d != null && d.trainFile() != null ? Path.of(d.trainFile()) : null;
        Path devFile = d != null && d.devFile() != null ? Path.of(d.devFile()) : null;
        if (trainFile == null || devFile == null) {
            Path root = DataLocator.resolve(dataDir).root().resolve("squad");
            Path dir = root.resolve(v2 ? "v2.0" : "v1.1");
            trainFile = trainFile != null ? trainFile : existing(dir.resolve("train.json"));
            devFile = devFile != null ? devFile : existing(dir.resolve("dev.json"));
            if (v2 && trainFile == null && devFile == null) {
                dir = root.resolve("v1.1");
                devFile = existing(dir.resolve("dev.json"));
                notes.add("no SQuAD v2.0 files under " + root.resolve("v2.0") + ": v2.0 is exercised with v1.1 and generated"
                        + " unanswerable questions (a third of the questions re-asked of another article's paragraph)");
            }
            if (devFile == null) {
                throw new ModelFormatException(dir.resolve("dev.json"), "missing SQuAD " + (v2 ? "v2.0" : "v1.1") + " dev.json (data"
                        + " directory " + root.getParent() + "): put the official dev-" + (v2 ? "v2.0" : "v1.1") + ".json there as "
                        + dir.resolve("dev.json") + ", or pass --dev-file FILE");
            }
        }
        List<SquadQuestion> train;
        List<SquadQuestion> eval;
        if (trainFile == null) {
            SquadReader.Result all = read(devFile, skip, skipped);
            List<List<SquadQuestion>> split = SquadSplits.byArticle(all.questions(), all.articles());
            train = split.get(0);
            eval = split.get(1);
            notes.add(String.format("no SQuAD train.json: training on articles 1-%d of %s (%,d questions) and evaluating on its"
                    + " last %d articles (%,d questions); these are not official SQuAD numbers", all.articles() - SquadSplits.EVAL_ARTICLES,
                    devFile, train.size(), SquadSplits.EVAL_ARTICLES, eval.size()));
        } else {
            train = read(trainFile, skip, skipped).questions();
            eval = read(devFile, skip, skipped).questions();
        }
        boolean hasImpossible = train.stream().anyMatch(SquadQuestion::impossible) || eval.stream().anyMatch(SquadQuestion::impossible);
        if (v2 && !hasImpossible) {
            train = SquadSplits.withUnanswerable(train, c.seed());
            eval = SquadSplits.withUnanswerable(eval, c.seed() + 1);
        }
        if (c.trainLimit() > 0 && c.trainLimit() < train.size()) {
            train = train.subList(0, c.trainLimit());
        }
        if (c.evalLimit() > 0 && c.evalLimit() < eval.size()) {
            eval = eval.subList(0, c.evalLimit());
        }
        return new Data(train, eval, skipped[0], notes);
    }

    private static Path existing(Path p) {
        return Files.isRegularFile(p) ? p : null;
    }

    private static SquadReader.Result read(Path f, boolean skip, int[] skipped) {
        SquadReader.Result r = SquadReader.read(f, skip);
        skipped[0] += r.skipped();
        return r;
    }

    /** Training windows: one example per window, its answer's first and last token as {@code labelSet}. */
    public static EncodedDataset trainSet(List<SquadQuestion> questions, QaFeatures features, long padId) {
        return dataset(features.build(questions, true), padId);
    }

    private static EncodedDataset dataset(List<QaFeatures.Feature> feats, long padId) {
        List<Example> ex = new ArrayList<>();
        long[][] ids = new long[feats.size()][];
        long[][] types = new long[feats.size()][];
        for (int i = 0; i < feats.size(); i++) {
            QaFeatures.Feature f = feats.get(i);
            ex.add(new Example("", null, 0, 0, i, new int[] {f.startPosition(), f.endPosition()}));
            ids[i] = f.ids();
            types[i] = f.types();
        }
        return new EncodedDataset(ex, ids, types, padId);
    }

    /**
     * The evaluation set: windows of every question; metrics by the official definitions (v1.1:
     * exact_match, f1; v2.0: its keys) plus {@code score}, their mean of EM and F1. When {@code runDir}
     * is given, the best evaluation's answers go to {@code predictions.json} (official format) and,
     * for v2.0, {@code null_odds.json}.
     */
    public static EvalSet evalSet(List<SquadQuestion> questions, QaFeatures features, long padId, DataConfig d, boolean v2, Path runDir) {
        List<QaFeatures.Feature> feats = features.build(questions, false);
        QaPostprocess post = new QaPostprocess(N_BEST, d.maxAnswerLength() > 0 ? d.maxAnswerLength() : MAX_ANSWER_LENGTH, v2, d.nullThreshold());
        List<SquadMetrics.Gold> gold = questions.stream()
                .map(q -> new SquadMetrics.Gold(q.id(), q.answers().stream().map(SquadQuestion.Answer::text).toList())).toList();
        AtomicReference<Predictions> last = new AtomicReference<>();
        return new EvalSet("dev", dataset(feats, padId), outputs -> {
            Predictions p = Predictions.of(post.answers(questions, feats, outputs));
            last.set(p);
            Map<String, Double> m = new LinkedHashMap<>(v2 ? SquadMetrics.v2(gold, p.texts(), p.nullOdds()) : SquadMetrics.v1(gold, p.texts()));
            m.put("score", (m.getOrDefault(v2 ? "exact" : "exact_match", 0.0) + m.get("f1")) / 2);
            return m;
        }, runDir == null ? null : () -> writePredictions(runDir, last.get(), v2));
    }

    /** One evaluation's answers as the official files hold them: id -> text, and id -> null odds (v2.0). */
    record Predictions(Map<String, String> texts, Map<String, Double> nullOdds) {
        static Predictions of(Map<String, QaPostprocess.Answer> answers) {
            Map<String, String> texts = new LinkedHashMap<>();
            Map<String, Double> odds = new LinkedHashMap<>();
            answers.forEach((id, a) -> {
                texts.put(id, a.text());
                odds.put(id, a.nullOdds());
            });
            return new Predictions(texts, odds);
        }
    }

    static void writePredictions(Path runDir, Predictions p, boolean v2) {
        if (p == null) {
            return;
        }
        try {
            AtomicFiles.writeString(runDir.resolve("predictions.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(p.texts()));
            if (v2) {
                AtomicFiles.writeString(runDir.resolve("null_odds.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(p.nullOdds()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers one question about one context with a loaded SQuAD run (the CLI's predict --question --context). */
    public static QaPostprocess.Answer answer(TaskModel model, TrainConfig c, String question, String context) {
        if (question.isBlank() || context.isBlank()) {
            throw new IllegalArgumentException("--question and --context must not be empty");
        }
        return answers(model, c, List.of(question), List.of(context)).get(0);
    }

    /**
     * Answers {@code questions[i]} about {@code contexts[i]}, in order, each exactly as {@link #answer} would (windows of
     * every question built together and run through the model in batches; the post-processing is per question).
     */
    public static List<QaPostprocess.Answer> answers(TaskModel model, TrainConfig c, List<String> questions, List<String> contexts) {
        List<SquadQuestion> qs = new java.util.ArrayList<>(questions.size());
        for (int i = 0; i < questions.size(); i++) {
            qs.add(new SquadQuestion("q" + i, questions.get(i), contexts.get(i), List.of(), false, 0));
        }
        try (QaFeatures features = TaskRun.qaFeatures(model.base(), c)) {
            List<QaFeatures.Feature> feats = features.build(qs, false);
            float[][] out = new Evaluator(64).outputs(model, dataset(feats, model.base().model().config().padTokenId));
            DataConfig d = c.data();
            QaPostprocess post = new QaPostprocess(N_BEST, d != null && d.maxAnswerLength() > 0 ? d.maxAnswerLength() : MAX_ANSWER_LENGTH,
                    c.isSquadV2(), d == null ? 0 : d.nullThreshold());
            Map<String, QaPostprocess.Answer> byId = post.answers(qs, feats, out);
            List<QaPostprocess.Answer> ordered = new java.util.ArrayList<>(qs.size());
            for (SquadQuestion q : qs) {
                ordered.add(byId.get(q.id()));
            }
            return ordered;
        }
    }
}
