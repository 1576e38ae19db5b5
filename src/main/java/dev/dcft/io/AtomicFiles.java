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
import java.util.List;
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
            FailPoints.reach(FailPoints.FILE_WRITTEN, file);
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
        recover(abs);
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
            FailPoints.reach(FailPoints.DIRECTORY_FILLED, abs);
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
            FailPoints.reach(FailPoints.DIRECTORY_SWAP, abs);
        }
        move(tmp, abs);
        if (old != null) {
            deleteTree(old);
        }
    }

    /**
     * Undoes what a kill left of earlier writes to {@code target}: when it fell between a swap's two
     * renames (target gone, its previous version set aside as {@code .NAME.old-*}), the previous
     * version goes back; unfinished temporary siblings are deleted. Only names this class makes are
     * touched ({@code .NAME.<digits>}, {@code .NAME.<digits>.tmp}, {@code .NAME.old-<digits>}), and only for targets with a single writer (a run's own files, an
     * output directory being created), since a concurrent writer's temporary sibling would go too.
     * A swap is never interrupted twice without a recovery between, so at most one old version waits.
     */
    public static void recover(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String prefix = "." + abs.getFileName() + ".";
        java.util.regex.Pattern ours = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(prefix) + "(\\d+|\\d+\\.tmp|old--?\\d+)");
        List<Path> stale;
        try (Stream<Path> s = Files.list(parent)) {
            stale = s.filter(p -> ours.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        if (!Files.exists(abs)) {
            for (Path p : stale) {
                if (p.getFileName().toString().startsWith(prefix + "old-")) {
                    move(p, abs);
                    break;
                }
            }
        }
        for (Path p : stale) {
            if (!p.equals(abs) && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
            }
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
