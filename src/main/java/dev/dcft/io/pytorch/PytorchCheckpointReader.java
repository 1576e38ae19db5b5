package dev.dcft.io.pytorch;

import dev.dcft.io.Checkpoint;
import dev.dcft.io.CheckpointReader;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ShardIndex;
import dev.dcft.model.ConfigFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code config.json} + {@code pytorch_model.bin}, or shards listed in {@code pytorch_model.bin.index.json}. */
public final class PytorchCheckpointReader implements CheckpointReader {
    @Override
    public String format() {
        return "pytorch_model.bin";
    }

    @Override
    public boolean accepts(Path dir) {
        return Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"));
    }

    @Override
    public Checkpoint read(Path dir) {
        var config = ConfigFiles.readObject(dir.resolve("config.json"));
        Path single = dir.resolve("pytorch_model.bin");
        if (Files.exists(single)) {
            return new Checkpoint(config, dir.resolve("config.json").toString(), PytorchBinReader.read(single), single.toString());
        }
        Path index = dir.resolve("pytorch_model.bin.index.json");
        Map<String, HostTensor> all = new LinkedHashMap<>();
        for (Path shard : ShardIndex.shards(index)) {
            all.putAll(PytorchBinReader.read(shard));
        }
        return new Checkpoint(config, dir.resolve("config.json").toString(), all, index.toString());
    }
}
