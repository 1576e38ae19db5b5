package dev.dcft.cli;

import dev.dcft.engine.Engines;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dcft}: the command-line entry point. */
@Command(name = "dcft", mixinStandardHelpOptions = true, version = "dcft 0.1.0",
        description = "Parameter-efficient fine-tuning (DCFT, LoRA) of transformer encoders on the JVM.",
        subcommands = {InfoCommand.class, EmbedCommand.class, ExportCommand.class, ParamsCommand.class,
            MergeCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, DataCommand.class, FillMaskCommand.class,
            BenchCommand.class, ServeCommand.class, ExperimentCommand.class, GenerateCommand.class, PerplexityCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Option(names = "--verbose", description = "Show engine logs and full stack traces on errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Option(names = "--threads", description = "Intra-op CPU threads (default: all cores).", scope = CommandLine.ScopeType.INHERIT)
    int threads;

    /** Exit code of a command stopped by Ctrl-C or SIGTERM after saving its state (a training's checkpoint). */
    public static final int EXIT_INTERRUPTED = 130;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command: see 'dcft --help'");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Gives every subcommand --help and --version, as the top command has. */
    private static void addHelpOptions(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions()) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
            }
            addHelpOptions(sub);
        }
    }

    /** Runs the CLI and returns its exit code (0 ok, 1 error, 2 usage, {@link #EXIT_INTERRUPTED} stopped). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        CommandLine cli = new CommandLine(new Main());
        addHelpOptions(cli);
        for (String c : List.of("train", "params")) {
            MethodOptionsCli.addTo(cli.getSubcommands().get(c).getCommandSpec());
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parsed -> {
            Main top = parsed.commandSpec().root().userObject() instanceof Main m ? m : null;
            List<CommandLine> chain = parsed.asCommandLineList();
            // A resumed run keeps the thread count it started with (its config.json; TaskRun configures the engine):
            // another count splits reductions differently and the resumed run would not end where the uninterrupted
            // one does (full fine-tuning differed in the last bits of float32). --threads given again overrides it.
            boolean resumeDecides = chain.get(chain.size() - 1).getCommand() instanceof TrainCommand t && t.resume;
            if (top != null && !(resumeDecides && top.threads == 0)) {
                Engines.configure(top.threads);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parsed) -> {
            err.println("dcft: error: " + CliErrors.oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cli.execute(args);
    }
}
