package dev.dcft.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where {@code PUT /v1/adapters/{name}} may read from: only inside the server's adapters directory.
 * A path that leaves it (by {@code ..}, by being absolute elsewhere, or through a symbolic link,
 * including links inside the adapter directory) is refused with 403 before anything is read
 * (README, "Security and failure behaviour").
 */
final class AdapterPaths {
    private AdapterPaths() {
    }

    static Path confine(Path root, String requested) {
        if (root == null) {
            throw new ServeException(403, "this server loads adapters over HTTP only from its adapters directory "
                    + "(dcft serve --adapters DIR), and it was started without one");
        }
        Path rootReal;
        Path target;
        try {
            rootReal = root.toRealPath();
            Path p = Path.of(requested);
            target = (p.isAbsolute() ? p : rootReal.resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new ServeException(400, "'path' is not a valid path: " + e.getReason());
        } catch (IOException e) {
            throw new ServeException(500, "the adapters directory is gone: " + e.getMessage());
        }
        if (!target.startsWith(rootReal)) {
            throw leaves(requested);
        }
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ServeException(400, "no adapter or run directory at '" + requested + "' in the adapters directory");
        }
        try {
            if (!target.toRealPath().startsWith(rootReal)) {
                throw leaves(requested);
            }
            try (Stream<Path> walk = Files.walk(target, 3)) {
                for (Path q : (Iterable<Path>) walk::iterator) {
                    if (Files.isSymbolicLink(q) && !q.toRealPath().startsWith(rootReal)) {
                        throw leaves(requested);
                    }
                }
            }
            return target.toRealPath();
        } catch (IOException e) {
            // A dangling link, or a file removed while we looked: nothing that can be loaded.
            throw new ServeException(400, "cannot read '" + requested + "': " + e.getMessage());
        }
    }

    /** Whether {@code p}, links followed, lies inside {@code rootReal} (false for a dangling link): start-up discovery's rule. */
    static boolean resolvesWithin(Path p, Path rootReal) {
        try {
            return p.toRealPath().startsWith(rootReal);
        } catch (IOException e) {
            return false;
        }
    }

    private static ServeException leaves(String requested) {
        return new ServeException(403, "'" + requested + "' leaves the adapters directory");
    }
}
