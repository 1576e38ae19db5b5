package dev.dcft.data;

import dev.dcft.io.ModelFormatException;
import java.nio.file.Path;

/** A data row that cannot be read: the message names file, line and reason. */
public final class BadRowException extends ModelFormatException {
    public BadRowException(Path file, int line, String reason) {
        super(file + ":" + line + ": " + reason + " (use --skip-bad-rows to skip such rows)");
    }
}
