package dev.dcft.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The shard files a Hugging Face {@code *.index.json} lists in its {@code weight_map}, each inside the model directory. */
public final class ShardIndex {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShardIndex() {
    }

    public static List<Path> shards(Path index) {
        JsonNode map;
        try {
            map = JSON.readTree(Files.readString(index)).get("weight_map");
        } catch (IOException e) {
            throw new ModelFormatException(index, "not valid JSON");
        }
        if (map == null || !map.isObject()) {
            throw new ModelFormatException(index, "no weight_map object");
        }
        Set<String> names = new LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext();) {
            names.add(it.next().asText());
        }
        Path dir = index.toAbsolutePath().getParent().normalize();
        List<Path> out = new ArrayList<>();
        for (String shard : names) {
            Path f = dir.resolve(shard).normalize();
            if (!f.startsWith(dir)) {
                throw new ModelFormatException(index, "shard '" + shard + "' points outside the model directory");
            }
            if (!Files.exists(f)) {
                throw new ModelFormatException(f, "file not found (listed in " + index.getFileName() + ")");
            }
            out.add(f);
        }
        return out;
    }
}
