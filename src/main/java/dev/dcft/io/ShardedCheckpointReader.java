package dev.dcft.io;

import dev.dcft.model.ConfigFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** {@code config.json} beside one weights file, or beside shards listed in {@code <file>.index.json}: the Hugging Face layouts. */
public abstract class ShardedCheckpointReader implements CheckpointReader {
    private final String file;
    private final Function<Path, Map<String, HostTensor>> readOne;

    protected ShardedCheckpointReader(String file, Function<Path, Map<String, HostTensor>> readOne) {
        this.file = file;
        this.readOne = readOne;
    }

    @Override
    public String format() {
        return file;
    }

    @Override
    public boolean accepts(Path dir) {
        return Files.exists(dir.resolve(file)) || Files.exists(dir.resolve(file + ".index.json"));
    }

    @Override
    public Checkpoint read(Path dir) {
        var config = ConfigFiles.readObject(dir.resolve("config.json"));
        Path single = dir.resolve(file);
        if (Files.exists(single)) {
            return new Checkpoint(config, dir.resolve("config.json").toString(), readOne.apply(single), single.toString());
        }
        Path index = dir.resolve(file + ".index.json");
        Map<String, HostTensor> all = new LinkedHashMap<>();
        for (Path shard : ShardIndex.shards(index)) {
            all.putAll(readOne.apply(shard));
        }
        return new Checkpoint(config, dir.resolve("config.json").toString(), all, index.toString());
    }
}
