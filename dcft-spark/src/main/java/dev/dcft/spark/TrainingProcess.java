package dev.dcft.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@code dcft train} in a JVM of its own, started by a Spark task: the run's native memory goes back to the system when
 * it ends, whatever the executor runs next, and a run killed with the executor (or with kill -9) leaves its last checkpoint
 * for the retried task to resume from. The class path is the executor's plus the jars the application was shipped in.
 */
final class TrainingProcess {
    private TrainingProcess() {
    }

    static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if ((a.startsWith("-X") && !a.startsWith("-Xrun") && !a.startsWith("-Xdebug")) || a.startsWith("-D") || a.startsWith("--add-opens")) {
                cmd.add(a);
            }
        }
        if (cmd.stream().noneMatch(a -> a.startsWith("-Dai.djl.offline"))) {
            cmd.add("-Dai.djl.offline=true");
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(dev.dcft.cli.Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }

    /** The JVM's class path and the locations our classes were loaded from (on an executor: the application's jar). */
    static String classPath() {
        Set<String> parts = new LinkedHashSet<>();
        for (Class<?> c : List.of(dev.dcft.cli.Main.class, TrainingProcess.class)) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (Exception e) {
                // a class from a location that is not a file: the JVM's class path has it
            }
        }
        for (String p : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    /**
     * Runs {@code dcft args} and returns its exit code; its output goes to {@code log}. With {@code killAfterCheckpoint}
     * (a test's fault), the process is killed with SIGKILL as soon as {@code runDir} holds a checkpoint.
     */
    static int run(List<String> args, Path log, Path runDir, boolean killAfterCheckpoint) {
        Process p;
        try {
            Files.createDirectories(log.getParent());
            p = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a JVM for 'dcft " + String.join(" ", args) + "'", e);
        }
        try {
            if (killAfterCheckpoint) {
                while (p.isAlive()) {
                    if (Files.isDirectory(runDir.resolve("checkpoint"))) {
                        p.destroyForcibly();
                        break;
                    }
                    Thread.sleep(20);
                }
            }
            return p.waitFor();
        } catch (InterruptedException e) {
            // Spark kills a task by interrupting it: stop the run too (it saves its checkpoint on SIGTERM).
            p.destroy();
            Thread.currentThread().interrupt();
            return dev.dcft.cli.Main.EXIT_INTERRUPTED;
        }
    }
}
