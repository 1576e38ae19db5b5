package dev.dcft.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dcft.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files of a run: {@code config.json}, {@code log.jsonl}, {@code metrics.json},
 * {@code curves.png}, the best {@code adapter/} and the resumable {@code checkpoint/}.
 */
public final class RunDirectory {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path dir;

    public RunDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path adapter() {
        return dir.resolve("adapter");
    }

    public Path checkpoint() {
        return dir.resolve("checkpoint");
    }

    public Path configFile() {
        return dir.resolve("config.json");
    }

    public Path log() {
        return dir.resolve("log.jsonl");
    }

    public Path metrics() {
        return dir.resolve("metrics.json");
    }

    public Path curves() {
        return dir.resolve("curves.png");
    }

    /**
     * Prepares the directory for a new run. An existing non-empty one is an error unless
     * {@code overwrite}, in which case it is removed first.
     */
    public void create(boolean overwrite) throws IOException {
        if (Files.exists(dir) && !AtomicFiles.isEmptyDirectory(dir)) {
            if (!overwrite) {
                throw new IllegalArgumentException(dir + " already exists: pass --overwrite to replace it, or --resume to continue it");
            }
            AtomicFiles.deleteTree(dir);
        }
        Files.createDirectories(dir);
    }

    /**
     * Puts the run back in order after a kill, before a resume reads it: a checkpoint or adapter
     * caught between the two renames of its swap gets its previous version back, and temporary
     * siblings of every file are removed (see AtomicFiles.recover).
     */
    public void recover() throws IOException {
        for (Path p : List.of(checkpoint(), adapter(), configFile(), log(), metrics(), curves(), dir.resolve("predictions.json"),
                dir.resolve("null_odds.json"))) {
            AtomicFiles.recover(p);
        }
    }

    public void writeConfig(TrainConfig config) throws IOException {
        AtomicFiles.writeString(configFile(), JSON.writeValueAsString(config));
    }

    public TrainConfig readConfig() throws IOException {
        JsonNode tree = JSON.readTree(Files.readString(configFile()));
        if (!(tree instanceof ObjectNode o)) {
            throw new IOException(configFile() + ": expected a JSON object");
        }
        return JSON.treeToValue(TrainConfig.upgrade(o), TrainConfig.class);
    }

    /**
     * Appends one line. A write that fails part-way (a full disk) is cut back to the old length, so
     * the log never ends in half a line.
     */
    public void appendLog(Map<String, Object> entry) throws IOException {
        byte[] line = (LINE.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            long before = ch.size();
            try {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(line);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException e) {
                ch.truncate(before);
                throw e;
            }
        }
    }

    /** Keeps the first {@code lines} log lines: what a resumed run has not yet redone. */
    public void truncateLog(int lines) throws IOException {
        if (!Files.exists(log())) {
            return;
        }
        List<String> all = Files.readAllLines(log(), StandardCharsets.UTF_8);
        List<String> kept = new ArrayList<>(all.subList(0, Math.min(lines, all.size())));
        AtomicFiles.writeString(log(), kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    public List<Map<String, Object>> readLog() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (Files.exists(log())) {
            for (String line : Files.readAllLines(log(), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = LINE.readValue(line, Map.class);
                    out.add(m);
                }
            }
        }
        return out;
    }

    public void writeMetrics(Object metrics) throws IOException {
        AtomicFiles.writeString(metrics(), JSON.writeValueAsString(metrics));
    }
}
