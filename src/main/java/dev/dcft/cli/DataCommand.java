package dev.dcft.cli;

import dev.dcft.data.DataFetcher;
import dev.dcft.data.DataLocator;
import dev.dcft.data.GlueTask;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "data", description = "Manage GLUE data.", subcommands = DataCommand.Fetch.class)
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "fetch", description = "Download GLUE tasks into the per-user cache ($XDG_CACHE_HOME/dcft/data or ~/.cache/dcft/data).")
    static final class Fetch implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "TASK", description = "cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli, or all.")
        List<String> tasks;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<GlueTask> wanted = tasks.contains("all") ? List.of(GlueTask.values()) : tasks.stream().map(GlueTask::parse).toList();
            DataFetcher fetcher = new DataFetcher(DataLocator.cacheDir());
            for (GlueTask t : wanted) {
                spec.commandLine().getOut().printf("%s: %s%n", t.dirName, fetcher.fetch(t));
            }
            return 0;
        }
    }
}
