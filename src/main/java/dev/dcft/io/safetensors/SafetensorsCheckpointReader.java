package dev.dcft.io.safetensors;

import dev.dcft.io.ShardedCheckpointReader;

/** {@code config.json} + {@code model.safetensors}, or shards listed in {@code model.safetensors.index.json}. */
public final class SafetensorsCheckpointReader extends ShardedCheckpointReader {
    public SafetensorsCheckpointReader() {
        super("model.safetensors", SafetensorsReader::read);
    }
}
