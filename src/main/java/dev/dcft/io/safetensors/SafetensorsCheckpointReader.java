package dev.dcft.io.safetensors;

import dev.dcft.io.Checkpoint;
import dev.dcft.io.CheckpointReader;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ShardIndex;
import dev.dcft.model.ConfigFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code config.json} + {@code model.safetensors}, or shards listed in {@code model.safetensors.index.json}. */
public final class SafetensorsCheckpointReader implements CheckpointReader {
    @Override
    public String format() {
        return "safetensors";
    }

    @Override
    public boolean accepts(Path dir) {
        return Files.exists(dir.resolve("model.safetensors")) || Files.exists(dir.resolve("model.safetensors.index.json"));
    }

    @Override
    public Checkpoint read(Path dir) {
        var config = ConfigFiles.readObject(dir.resolve("config.json"));
        Path single = dir.resolve("model.safetensors");
        Map<String, HostTensor> all = new LinkedHashMap<>();
        if (Files.exists(single)) {
            all.putAll(SafetensorsReader.read(single));
            return new Checkpoint(config, dir.resolve("config.json").toString(), all, single.toString());
        }
        Path index = dir.resolve("model.safetensors.index.json");
        for (Path shard : ShardIndex.shards(index)) {
            all.putAll(SafetensorsReader.read(shard));
        }
        return new Checkpoint(config, dir.resolve("config.json").toString(), all, index.toString());
    }
}
