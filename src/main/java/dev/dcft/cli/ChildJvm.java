package dev.dcft.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code dcft} command in a new JVM: the same Java, memory and system-property options
 * and class path as this one. A JVM that has trained one bert-base model keeps much of the native
 * memory it used; starting the next run in a fresh process gives it back to the system (measured:
 * a driver that finished one run grew from 11 to 14 GB loading the next, and the kernel killed it).
 */
final class ChildJvm {
    /** How long a child may take to checkpoint and exit after this JVM is asked to stop. */
    private static final long STOP_GRACE_SECONDS = 180;

    private ChildJvm() {
    }

    /** The command line that runs {@code dcft args} in a new JVM. */
    static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Heap size and properties (ai.djl.offline) carry over; agents and debuggers do not.
            if ((a.startsWith("-X") && !a.startsWith("-Xrun") && !a.startsWith("-Xdebug")) || a.startsWith("-D")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs {@code dcft args} in a new JVM, copying its output to {@code out} (its errors go to this
     * JVM's standard error), and returns its exit code. If this JVM is stopped meanwhile (SIGTERM,
     * Ctrl-C), the child is asked to stop too and given time to save its checkpoint, as an
     * in-process run would; a child started while this JVM is already stopping is stopped at once
     * ({@link Main#EXIT_INTERRUPTED}).
     */
    static int run(List<String> args, PrintWriter out) {
        Process p;
        try {
            // Errors go straight to this JVM's stderr: the lines a stopped run writes while this JVM shuts
            // down (where its checkpoint went) would not survive a copy through this JVM.
            p = new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a JVM for 'dcft " + String.join(" ", args) + "'", e);
        }
        Thread hook = new Thread(() -> {
            p.destroy();
            try {
                p.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            p.destroy();
            return Main.EXIT_INTERRUPTED;
        }
        try {
            Thread copyOut = copy(p.getInputStream(), out);
            int code = p.waitFor();
            copyOut.join();
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            return Main.EXIT_INTERRUPTED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running and stops the child.
            }
        }
    }

    private static Thread copy(InputStream from, PrintWriter to) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    to.println(line);
                    to.flush();
                }
            } catch (IOException ignored) {
                // The child has gone; its exit code says how.
            }
        }, "child-jvm-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
