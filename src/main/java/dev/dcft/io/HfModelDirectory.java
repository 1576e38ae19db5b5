package dev.dcft.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a Hugging Face model directory: config.json, model.safetensors, tokenizer files. */
public final class HfModelDirectory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfModelDirectory() {
    }

    /** Writes atomically: {@code out} appears complete or not at all; an existing non-empty one is refused. */
    public static void write(Path out, ObjectNode config, Map<String, HostTensor> tensors, Map<String, byte[]> extraFiles)
            throws IOException {
        AtomicFiles.writeDirectory(out, dir -> {
            Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
            for (Map.Entry<String, byte[]> f : extraFiles.entrySet()) {
                Files.write(dir.resolve(f.getKey()), f.getValue());
            }
        });
    }
}
