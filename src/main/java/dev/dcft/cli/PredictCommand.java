package dev.dcft.cli;

import dev.dcft.train.BatchPrediction;
import dev.dcft.train.QaPostprocess;
import dev.dcft.train.RunDirectory;
import dev.dcft.train.SquadTask;
import dev.dcft.train.TaskModel;
import dev.dcft.train.TaskRun;
import dev.dcft.train.TrainConfig;
import dev.dcft.train.Predictor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", description = {"Label new inputs with a run's best adapter, in label names.",
    "Texts: dcft predict --run RUN TEXT... (pairs: \"first ||| second\").",
    "SQuAD runs: dcft predict --run RUN --question Q --context C prints the answer, its score and its character span.",
    "Files: dcft predict --run RUN --input FILE --output FILE (CSV, TSV or JSONL in; JSONL or CSV out, one line per"
        + " input row; '-' for stdin/stdout); rows stream through, so files larger than memory work.",
    "An adapter directory alone (PEFT layout, e.g. a run's adapter/ copied elsewhere): --model M --adapter DIR instead of --run."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--run", description = "Run directory written by 'dcft train'.")
    Path run;

    @Option(names = "--adapter", description = "Adapter directory (adapter_config.json with the labels, adapter_model.safetensors), with --model.")
    Path adapter;

    @Option(names = "--model", description = "Base model for --adapter (an embedded name or a directory); with --run, a copy of the run's base elsewhere.")
    String model;

    @Option(names = "--input", description = "File of inputs (.csv, .tsv, .jsonl; '-' = standard input, JSONL unless --format).")
    String input;

    @Option(names = "--output", description = "Where predictions go (.jsonl or .csv; '-' = standard output). Default: '-'.")
    String output;

    @Option(names = "--format", description = "Input format when the extension does not say: csv, tsv or jsonl.")
    String format;

    @Option(names = "--output-format", description = "jsonl or csv (default: by --output's extension; JSONL for '-').")
    String outputFormat;

    @Option(names = "--text-column", description = "Input column with the text (default: text, sentence, sentence1 or question).")
    String textColumn;

    @Option(names = "--text-pair-column", description = "Input column with the second text of pair tasks.")
    String textPairColumn;

    @Option(names = "--skip-bad-rows", description = "Skip (and count) malformed input rows instead of stopping.")
    boolean skipBadRows;

    @Option(names = "--question", description = "SQuAD runs: the question (with --context).")
    String question;

    @Option(names = "--context", description = "SQuAD runs: the passage the answer is taken from.")
    String context;

    @Parameters(arity = "0..*", paramLabel = "TEXT")
    List<String> texts;

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if ((run == null) == (adapter == null)) {
            throw new IllegalArgumentException("give --run RUN, or --adapter DIR with --model M");
        }
        if (adapter != null) {
            if (model == null) {
                throw new IllegalArgumentException("--adapter needs --model (the base model the adapter was trained on)");
            }
            if (question != null || context != null) {
                throw new IllegalArgumentException("--question/--context go with a SQuAD run: use --run");
            }
            checkInputs();
            return label(Predictor.open(model, adapter, precisionOption.value()));
        }
        TrainConfig config = new RunDirectory(run).readConfig();
        if (config.isSquad() || question != null || context != null) {
            if (!config.isSquad()) {
                throw new IllegalArgumentException("--question/--context go with SQuAD runs; this run is " + config.task());
            }
            if (question == null || context == null) {
                throw new IllegalArgumentException("a SQuAD run answers --question Q --context C");
            }
            TaskModel model = TaskRun.load(run, precisionOption.value());
            try (var base = model.base()) {
                QaPostprocess.Answer a = SquadTask.answer(model, config, question, context);
                if (a.text().isEmpty()) {
                    out.printf("(no answer)\tscore %.4f\tnull odds %.4f%n", a.score(), a.nullOdds());
                } else {
                    out.printf("%s\tscore %.4f\tspan [%d, %d)%n", a.text(), a.score(), a.start(), a.end());
                }
            }
            return 0;
        }
        checkInputs();
        return label(Predictor.open(model, run, precisionOption.value()));
    }

    /** TEXT arguments or --input, not both, checked before a model loads. */
    private void checkInputs() {
        if (input == null && (texts == null || texts.isEmpty())) {
            throw new IllegalArgumentException("give TEXT arguments or --input FILE");
        }
        if (input != null && texts != null && !texts.isEmpty()) {
            throw new IllegalArgumentException("give either TEXT arguments or --input FILE, not both");
        }
    }

    /** Labels the TEXT arguments or the --input file with {@code predictor}, then closes it. */
    private int label(Predictor predictor) throws Exception {
        var out = spec.commandLine().getOut();
        try (Predictor p = predictor) {
            if (input != null) {
                String target = output == null ? "-" : output;
                out.flush();
                BatchPrediction.Counts c = BatchPrediction.run(p, new BatchPrediction.Options(input, format, textColumn, textPairColumn,
                        target, outputFormat, skipBadRows), System.out);
                System.out.flush();
                if (!target.equals("-") || c.skipped() > 0) {
                    spec.commandLine().getErr().printf("dcft: %,d rows labelled%s%s%n", c.rows(),
                            c.skipped() > 0 ? String.format(", %,d malformed rows skipped", c.skipped()) : "",
                            target.equals("-") ? "" : " -> " + target);
                }
                return 0;
            }
            List<Predictor.Input> inputs = new ArrayList<>();
            for (String t : texts) {
                inputs.add(Predictor.Input.parse(t, p.task()));
            }
            List<Predictor.Prediction> preds = p.predict(inputs);
            for (int i = 0; i < preds.size(); i++) {
                Predictor.Prediction pr = preds.get(i);
                if (p.task().isRegression()) {
                    out.printf("%.4f\t%s%n", pr.score(), texts.get(i));
                } else if (p.task().isMultiLabel()) {
                    out.printf("%s\t%s%n", pr.labels().isEmpty() ? "(none)" : String.join("|", pr.labels()), texts.get(i));
                } else {
                    out.printf("%s\t%.3f\t%s%n", pr.label(), pr.score(), texts.get(i));
                }
            }
        }
        return 0;
    }
}
