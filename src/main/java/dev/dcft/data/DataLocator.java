package dev.dcft.data;

import dev.dcft.io.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where GLUE files are: {@code --data DIR}, else {@code $DCFT_DATA}, else the per-user cache that
 * {@code dcft data fetch} fills. Inside it, {@code glue/<Task>/train.tsv} (the shared layout) or
 * {@code <Task>/train.tsv} (a bare glue_data folder).
 */
public final class DataLocator {
    private final Path root;
    private final String origin;

    private DataLocator(Path root, String origin) {
        this.root = root;
        this.origin = origin;
    }

    public static DataLocator resolve(Path dataOption) {
        if (dataOption != null) {
            return new DataLocator(dataOption, "--data");
        }
        String env = System.getenv("DCFT_DATA");
        if (env != null && !env.isBlank()) {
            return new DataLocator(Path.of(env), "DCFT_DATA");
        }
        return new DataLocator(cacheDir(), "the cache");
    }

    /** {@code $XDG_CACHE_HOME/dcft/data}, else {@code ~/.cache/dcft/data}. */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("dcft").resolve("data");
    }

    public Path root() {
        return root;
    }

    /** The task's folder: {@code root/glue/<Task>} if it exists, else {@code root/<Task>}. */
    public Path taskDir(GlueTask task) {
        Path nested = root.resolve("glue").resolve(task.dirName);
        if (Files.isDirectory(nested)) {
            return nested;
        }
        Path flat = root.resolve(task.dirName);
        return Files.isDirectory(flat) ? flat : nested;
    }

    /** A task file that must exist; when it does not, the error says where it was looked for and how to get it. */
    public Path file(GlueTask task, String name) {
        Path f = taskDir(task).resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new ModelFormatException(f, "missing " + task.dirName + " " + name + " (data directory from " + origin
                    + "): run 'dcft data fetch " + task.cliName() + "', or pass --data DIR (or set DCFT_DATA) where "
                    + "glue/" + task.dirName + "/" + name + " exists");
        }
        return f;
    }
}
