package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.train.TaskRun;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", description = "Re-evaluate a run's best adapter on the dev set(s).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "Run directory written by 'dcft train'.")
    Path run;

    @Option(names = "--task", description = "Evaluate on another task with the same outputs (default: the run's).")
    String task;

    @Option(names = "--data", description = "Data directory (else $DCFT_DATA, else the cache).")
    Path data;

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        long[] shown = {0};
        Map<String, Double> m = TaskRun.evaluate(run, data, task, precisionOption.value(), (done, total) -> {
            // Long evaluations (SQuAD windows) say how far they are, at most every 2 s.
            long now = System.currentTimeMillis();
            if (total >= 500 && (now - shown[0] > 2000 || done == total)) {
                shown[0] = now;
                err.printf("\revaluating %,d/%,d%s", done, total, done == total ? "\n" : "");
                err.flush();
            }
        });
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        } else {
            out.println(TrainCommand.format(m));
        }
        return 0;
    }
}
