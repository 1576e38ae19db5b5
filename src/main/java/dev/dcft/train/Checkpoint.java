package dev.dcft.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.AtomicFiles;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.io.safetensors.SafetensorsWriter;
import dev.dcft.model.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a resumed run needs to continue exactly as if never stopped: the trainable tensors, the
 * optimizer's moments and step count, and the loop's own state. Written as a whole directory that
 * replaces the previous one only once complete, so a kill at any moment leaves a good checkpoint.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The loop's state: the next step to run, the best evaluation so far, time and tokens spent.
     * log.jsonl has one line per finished step, so {@code step} also says how much of it is valid.
     */
    public record State(int step, int optimizerSteps, double bestScore, int bestStep, Map<String, Double> bestMetrics,
            double trainSeconds, long tokens, Map<String, Double> lastMetrics, int lastEvalStep) {
    }

    private Checkpoint() {
    }

    public static void save(Path dir, State state, Map<String, Parameter> params, AdamW optimizer) throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        params.forEach((k, p) -> tensors.put("param/" + k, host(p.value())));
        optimizer.firstMoments().forEach((k, v) -> tensors.put("adam_m/" + k, host(v)));
        optimizer.secondMoments().forEach((k, v) -> tensors.put("adam_v/" + k, host(v)));
        try {
            AtomicFiles.replaceDirectory(dir, d -> {
                SafetensorsWriter.write(d.resolve("state.safetensors"), tensors, Map.of());
                Files.writeString(d.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
            });
        } catch (IOException e) {
            // A full disk says only "No space left on device": say what was being written and what is still safe.
            throw new IOException("writing the checkpoint of step " + state.step() + " in " + dir + ": " + e.getMessage()
                    + (exists(dir) ? "; the previous checkpoint is kept" : ""), e);
        }
    }

    private static HostTensor host(NDArray v) {
        return new HostTensor(v.getShape().getShape(), v.toFloatArray());
    }

    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve("state.json")) && Files.exists(dir.resolve("state.safetensors"));
    }

    /** Restores tensors and optimizer; returns the loop state. */
    public static State load(Path dir, Map<String, Parameter> params, AdamW optimizer) throws IOException {
        if (!exists(dir)) {
            throw new ModelFormatException(dir, "no checkpoint to resume from (state.json and state.safetensors)");
        }
        State state = JSON.readValue(Files.readString(dir.resolve("state.json")), State.class);
        Map<String, HostTensor> t = SafetensorsReader.read(dir.resolve("state.safetensors"));
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor p = t.get("param/" + e.getKey());
            if (p == null || t.get("adam_m/" + e.getKey()) == null || t.get("adam_v/" + e.getKey()) == null) {
                throw new ModelFormatException(dir.resolve("state.safetensors"), "no saved state for '" + e.getKey()
                        + "': the checkpoint belongs to another configuration");
            }
            NDArray old = e.getValue().value();
            e.getValue().set(old.getManager().create(p.data(), new ai.djl.ndarray.types.Shape(p.shape())));
            m.put(e.getKey(), t.get("adam_m/" + e.getKey()).data());
            v.put(e.getKey(), t.get("adam_v/" + e.getKey()).data());
        }
        optimizer.restore(state.optimizerSteps(), m, v);
        return state;
    }
}
