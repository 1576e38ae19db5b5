package dev.dcft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a {@code config.json} as a JSON object, with one-line errors. */
public final class ConfigFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigFiles() {
    }

    public static ObjectNode readObject(Path file) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found");
        } catch (IOException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            int nl = m.indexOf('\n');
            throw new ModelFormatException(file, "not valid JSON: " + (nl < 0 ? m : m.substring(0, nl)));
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ModelFormatException(file, "expected a JSON object");
        }
        return obj;
    }

    public static ObjectNode parse(byte[] bytes, String source) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node instanceof ObjectNode obj) {
                return obj;
            }
        } catch (IOException e) {
            throw new ModelFormatException(source, "not valid JSON");
        }
        throw new ModelFormatException(source, "expected a JSON object");
    }
}
