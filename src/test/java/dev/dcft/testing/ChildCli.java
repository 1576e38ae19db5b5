package dev.dcft.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines that run {@code dcft} in a child JVM on this test JVM's class path (kill, disk-full and soak tests). */
public final class ChildCli {
    private ChildCli() {
    }

    /** A program of this test JVM's Java installation ({@code java}, {@code jcmd}). */
    public static String jdkTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    /** {@code java JVM_OPTIONS -cp <class path> dev.dcft.cli.Main ARGS}. */
    public static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(jdkTool("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.dcft.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }

    /** The JVM options of a fault test's child: a 1 GB heap, offline, and the fail point when one is given. */
    public static List<String> faultOptions(String failpoint) {
        List<String> o = new ArrayList<>(List.of("-Xmx1g", "-Dai.djl.offline=true"));
        if (failpoint != null) {
            o.add("-Ddcft.failpoint=" + failpoint);
        }
        return o;
    }
}
