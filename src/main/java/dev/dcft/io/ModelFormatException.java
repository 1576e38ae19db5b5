package dev.dcft.io;

import java.nio.file.Path;

/**
 * A model, adapter or data file that cannot be used as it is. The message is one line that
 * names the file and the problem, because that is what the CLI shows the user.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
