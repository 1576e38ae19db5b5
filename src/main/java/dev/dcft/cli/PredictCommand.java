package dev.dcft.cli;

import dev.dcft.train.GlueRun;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", description = "Label new inputs with a run's best adapter. Pairs: \"first ||| second\".")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "Run directory written by 'dcft train'.")
    Path run;

    @Parameters(arity = "1..*", paramLabel = "TEXT")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        for (GlueRun.Prediction p : GlueRun.predict(run, texts)) {
            if (p.probabilities().length == 0) {
                out.printf("%s\t%s%n", p.label(), p.text());
            } else {
                out.printf("%s\t%.3f\t%s%n", p.label(), p.score(), p.text());
            }
        }
        return 0;
    }
}
