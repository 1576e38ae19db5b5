package dev.dcft.io;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Named places in the write paths where a fault test stops the JVM dead, as {@code kill -9} would
 * there (no finally blocks, no shutdown hooks), or fails the write as a full disk would. Armed only
 * by the system property {@code dcft.failpoint=NAME:N} or {@code NAME/FILE:N} (halt at the N-th
 * time NAME is reached in this process, for any file or only for the file or directory named FILE),
 * with {@code :enospc} appended to throw "No space left on device" instead; the fault tests
 * (README, "Security and failure behaviour") pass it to the child they kill. Unset, each point is
 * one field read. Random-time kills cannot aim at windows a few microseconds wide, such as the one
 * between the two renames of a directory swap; these points can.
 */
public final class FailPoints {
    /** After a file's bytes are written to its temporary sibling, before the rename. */
    public static final String FILE_WRITTEN = "file-written";
    /** After a directory is filled in its temporary sibling, before the rename. */
    public static final String DIRECTORY_FILLED = "directory-filled";
    /** In a directory swap, after the old version is moved aside and before the new one moves in. */
    public static final String DIRECTORY_SWAP = "directory-swap";

    private static final String NAME;
    private static final int AT;
    private static final boolean NO_SPACE;
    private static int hits;

    static {
        String spec = System.getProperty("dcft.failpoint");
        String[] parts = spec == null ? new String[0] : spec.split(":");
        NAME = parts.length < 2 ? null : parts[0];
        AT = parts.length < 2 ? 0 : Integer.parseInt(parts[1]);
        NO_SPACE = parts.length > 2 && parts[2].equals("enospc");
    }

    private FailPoints() {
    }

    public static void reach(String name, Path target) throws FileSystemException {
        if (NAME != null && (NAME.equals(name) || NAME.equals(name + "/" + target.getFileName()))) {
            synchronized (FailPoints.class) {
                if (++hits == AT) {
                    if (NO_SPACE) {
                        throw new FileSystemException(target.toString(), null, "No space left on device");
                    }
                    Runtime.getRuntime().halt(137);
                }
            }
        }
    }
}
