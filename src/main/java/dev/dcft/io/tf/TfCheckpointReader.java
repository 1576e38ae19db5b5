package dev.dcft.io.tf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.Checkpoint;
import dev.dcft.io.CheckpointReader;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.ConfigFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * TensorFlow BERT checkpoints: Google's releases ({@code bert_model.ckpt.index} + data shards +
 * {@code bert_config.json}) and SavedModels ({@code variables/variables.index} + shards), with
 * names translated to Hugging Face's ({@link TfBertNames}).
 */
public final class TfCheckpointReader implements CheckpointReader {
    @Override
    public String format() {
        return "tensorflow";
    }

    @Override
    public boolean accepts(Path dir) {
        return index(dir) != null;
    }

    @Override
    public Checkpoint read(Path dir) {
        Path index = index(dir);
        ObjectNode config = config(dir);
        String prefix = index.getFileName().toString();
        prefix = prefix.substring(0, prefix.length() - ".index".length());
        byte[] indexBytes;
        try {
            indexBytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new ModelFormatException(index, "cannot read: " + e.getMessage());
        }
        TfBundleReader.Index parsed = TfBundleReader.readIndex(indexBytes, index.toString());
        int count = parsed.shardCount();
        List<Path> shards = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path shard = index.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix, i, count));
            if (!Files.exists(shard)) {
                throw new ModelFormatException(shard, "file not found (data shard " + i + " of " + count + " named by " + index.getFileName() + ")");
            }
            shards.add(shard);
        }
        try (FileShards files = new FileShards(shards)) {
            Map<String, HostTensor> tf = TfBundleReader.read(parsed, files, index.toString());
            return new Checkpoint(config, configFile(dir).toString(), TfBertNames.toHf(tf), index.toString());
        }
    }

    private static Path index(Path dir) {
        Path saved = dir.resolve("variables").resolve("variables.index");
        if (Files.exists(saved)) {
            return saved;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".ckpt.index")).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static Path configFile(Path dir) {
        for (String name : List.of("config.json", "bert_config.json")) {
            Path p = dir.resolve(name);
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new ModelFormatException(dir.resolve("bert_config.json"), "file not found (a TensorFlow checkpoint needs its"
                + " bert_config.json or config.json to know the head count)");
    }

    private static ObjectNode config(Path dir) {
        ObjectNode c = ConfigFiles.readObject(configFile(dir));
        if (!c.has("model_type")) {
            c.put("model_type", "bert");
        }
        return c;
    }

    /** Data shards read through memory maps, one per tensor read. */
    private static final class FileShards implements TfBundleReader.Shards, AutoCloseable {
        private final List<FileChannel> channels = new ArrayList<>();

        FileShards(List<Path> files) {
            try {
                for (Path f : files) {
                    channels.add(FileChannel.open(f, StandardOpenOption.READ));
                }
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public int count() {
            return channels.size();
        }

        @Override
        public long length(int shard) {
            try {
                return channels.get(shard).size();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public ByteBuffer slice(int shard, long offset, int size) {
            try {
                return channels.get(shard).map(FileChannel.MapMode.READ_ONLY, offset, size);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            for (FileChannel c : channels) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // Read-only channels: nothing is lost on a failed close.
                }
            }
        }
    }
}
