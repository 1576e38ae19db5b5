package dev.dcft.cli;

import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line a user sees. */
final class CliErrors {
    private CliErrors() {
    }

    static String oneLine(Throwable e) {
        Throwable t = e;
        if (t instanceof ModelFormatException || t instanceof IllegalArgumentException
                || t instanceof dev.dcft.train.TrainingDivergedException) {
            return firstLine(t.getMessage());
        }
        if (t instanceof FileAlreadyExistsException f) {
            return firstLine(f.getMessage()) + " (choose another --out, or remove it first)";
        }
        if (t instanceof NoSuchFileException f) {
            return f.getMessage() + ": file not found";
        }
        if (t instanceof IOException) {
            return "I/O error: " + firstLine(t.getMessage());
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory: raise the JVM heap (JAVA_OPTS=-Xmx...) or lower --batch";
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + firstLine(msg)) + " (run with --verbose for details)";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
