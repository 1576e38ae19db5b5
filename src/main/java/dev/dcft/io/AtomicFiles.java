package dev.dcft.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file or directory behind: everything goes to a temporary
 * sibling first and is renamed into place only when complete.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    @FunctionalInterface
    public interface DirectoryBody {
        void fill(Path dir) throws IOException;
    }

    public static void write(Path file, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            relaxPermissions(tmp, "rw-r--r--");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.writeTo(out);
            }
            move(tmp, file);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Builds a directory in a temporary sibling and renames it to {@code target}. Refuses a target
     * that exists and is not empty, so nothing already there is lost.
     */
    public static void writeDirectory(Path target, DirectoryBody body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !isEmptyDirectory(abs)) {
            throw new FileAlreadyExistsException(abs + " exists and is not empty");
        }
        Path tmp = buildBeside(abs, body);
        try {
            if (Files.exists(abs)) {
                Files.delete(abs);
            }
            move(tmp, abs);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** Fills a new temporary sibling of {@code abs}; on failure nothing is left behind. */
    private static Path buildBeside(Path abs, DirectoryBody body) throws IOException {
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".");
        try {
            relaxPermissions(tmp, "rwxr-xr-x");
            body.fill(tmp);
            return tmp;
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /**
     * Builds a directory in a temporary sibling, then swaps it for {@code target}: the old content
     * stays intact until the new one is complete (used for checkpoints that are replaced often).
     */
    public static void replaceDirectory(Path target, DirectoryBody body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path tmp = buildBeside(abs, body);
        Path old = null;
        if (Files.exists(abs)) {
            old = abs.getParent().resolve("." + abs.getFileName() + ".old-" + System.nanoTime());
            move(abs, old);
        }
        move(tmp, abs);
        if (old != null) {
            deleteTree(old);
        }
    }

    public static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Temp files are created owner-only; the result should have the usual permissions (umask aside). */
    private static void relaxPermissions(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its defaults apply.
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
