package dev.dcft.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared GLUE data beside the checkout ({@code ../shared/data}); tests read it in place. */
public final class SharedData {
    private SharedData() {
    }

    public static Path root() {
        Path p = Path.of("..", "shared", "data").toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("glue"))) {
            throw new IllegalStateException("shared data not found at " + p + " (tests expect ../shared/data beside the checkout)");
        }
        return p;
    }
}
