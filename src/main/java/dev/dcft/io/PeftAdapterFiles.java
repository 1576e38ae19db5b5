package dev.dcft.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.PeftCommonFields;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.io.safetensors.SafetensorsWriter;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Weight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adapter directories in PEFT's layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with keys {@code base_model.model.<module path>.<tensor>.weight}.
 * LoRA files carry exactly PEFT's keys and config fields, so PEFT can read them; DCFT files use the
 * same conventions with {@code "peft_type": "DCFT"}. Task-head tensors travel in the same file
 * under {@code base_model.model.<head path>} (PEFT's {@code modules_to_save}).
 */
public final class PeftAdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterFiles() {
    }

    /** An adapter read from disk: its spec, base model name, adapter tensors and any head tensors. */
    public record LoadedAdapter(AdapterSpec spec, String baseModel, Map<String, HostTensor> adapterTensors,
            Map<String, HostTensor> headTensors, JsonNode config, Path dir, Map<String, HostTensor> sharedTensors) {
    }

    /** Where tensors shared by every layer are stored ({@code base_model.vera_A}): beside the model, not in it. */
    public static final String SHARED_PREFIX = "base_model.";

    /** The config JSON PEFT would write for this adapter. */
    public static ObjectNode configJson(AdapterSpec spec, String baseModel, List<String> modulesToSave, String taskType) {
        ObjectNode o = JSON.createObjectNode();
        PeftCommonFields common = new PeftCommonFields(baseModel, modulesToSave, taskType);
        if (spec.hasAdapters()) {
            spec.config().writePeftConfig(o, common);
        } else {
            // dcft-java's own types, so every method's run saves the same way: the head alone, or everything.
            o.put("peft_type", spec.peftType());
            common.putBaseModel(o);
            common.putModulesToSave(o);
            common.putTaskType(o);
            o.put("inference_mode", true);
        }
        return o;
    }

    /**
     * The parameter path in the module tree of each adapter tensor's file key (both without the
     * PEFT prefix): {@code x.lora_A.weight} is itself, DoRA's {@code x.lora_magnitude_vector} is the
     * parameter {@code x.lora_magnitude_vector.weight}.
     */
    public static Map<String, String> parameterPaths(Module root) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, AdapterLayer> e : Adapters.layers(root).entrySet()) {
            for (String name : e.getValue().adapterWeights().keySet()) {
                out.put(e.getKey() + "." + e.getValue().fileKey(name), e.getKey() + "." + name + ".weight");
            }
        }
        return out;
    }

    /**
     * Puts the file's shared tensors ({@code base_model.vera_A}) into the layers of {@code root} that share them;
     * one missing, of another shape, or shared by no layer is an error naming it.
     */
    public static void setSharedTensors(Module root, LoadedAdapter adapter, ai.djl.ndarray.NDManager manager) {
        Path file = adapter.dir().resolve(WEIGHTS);
        Set<String> done = new java.util.HashSet<>();
        for (AdapterLayer layer : Adapters.layers(root).values()) {
            for (Map.Entry<String, Weight> w : layer.sharedWeights().entrySet()) {
                if (done.add(w.getKey())) {
                    String key = SHARED_PREFIX + w.getKey();
                    HostTensor t = adapter.sharedTensors().get(w.getKey());
                    long[] want = w.getValue().value().getShape().getShape();
                    if (t == null) {
                        throw new ModelFormatException(file, "missing tensor '" + key + "' (shared by every layer)");
                    }
                    if (!Arrays.equals(t.shape(), want)) {
                        throw new ModelFormatException(file, "tensor '" + key + "' has shape " + t.shapeString() + " but the adapted"
                                + " layers need " + Arrays.toString(want) + " (adapter made for another base model?)");
                    }
                    w.getValue().parameter().set(manager.create(t.data(), new Shape(t.shape())));
                }
            }
        }
        for (String name : adapter.sharedTensors().keySet()) {
            if (!done.contains(name)) {
                throw new ModelFormatException(file, "tensor '" + SHARED_PREFIX + name + "' is not part of the adapter its config describes ("
                        + adapter.spec().describe() + ")");
            }
        }
    }

    /** Adapter tensors of {@code root} under PEFT keys. */
    public static Map<String, HostTensor> adapterTensors(Module root) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, AdapterLayer> e : Adapters.layers(root).entrySet()) {
            for (Map.Entry<String, Weight> w : e.getValue().sharedWeights().entrySet()) {
                NDArray v = w.getValue().value();
                out.putIfAbsent(SHARED_PREFIX + w.getKey(), new HostTensor(v.getShape().getShape(), v.toFloatArray()));
            }
            for (Map.Entry<String, Weight> w : e.getValue().adapterWeights().entrySet()) {
                NDArray v = w.getValue().value();
                out.put(PREFIX + e.getKey() + "." + e.getValue().fileKey(w.getKey()), new HostTensor(v.getShape().getShape(), v.toFloatArray()));
                if (w.getValue().biasParameter() != null) {
                    NDArray b = w.getValue().biasParameter().value();
                    out.put(PREFIX + e.getKey() + "." + w.getKey() + ".bias", new HostTensor(b.getShape().getShape(), b.toFloatArray()));
                }
            }
        }
        return out;
    }

    /**
     * Writes {@code dir} atomically. {@code headTensors} are keyed by head module path
     * ({@code classifier.weight}) and stored under the PEFT prefix.
     */
    public static void save(Path dir, AdapterSpec spec, String baseModel, Module root, Map<String, HostTensor> headTensors,
            List<String> modulesToSave, String taskType, boolean replace) throws IOException {
        save(dir, spec, baseModel, root, headTensors, modulesToSave, taskType, replace, null);
    }

    /**
     * As above, with {@code extra} fields added to adapter_config.json: the head's label names
     * ({@code id2label}, {@code label2id}, {@code problem_type}, as Hugging Face's model configs
     * carry them), so every later command speaks in label names.
     */
    public static void save(Path dir, AdapterSpec spec, String baseModel, Module root, Map<String, HostTensor> headTensors,
            List<String> modulesToSave, String taskType, boolean replace, ObjectNode extra) throws IOException {
        Map<String, HostTensor> tensors = adapterTensors(root);
        headTensors.forEach((k, v) -> tensors.put(PREFIX + k, v));
        ObjectNode config = configJson(spec, baseModel, modulesToSave, taskType);
        if (extra != null) {
            config.setAll(extra);
        }
        AtomicFiles.DirectoryBody body = d -> {
            Files.writeString(d.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
            SafetensorsWriter.write(d.resolve(WEIGHTS), tensors, Map.of());
        };
        if (replace) {
            AtomicFiles.replaceDirectory(dir, body);
        } else {
            AtomicFiles.writeDirectory(dir, body);
        }
    }

    public static LoadedAdapter load(Path dir) {
        Path configFile = dir.resolve(CONFIG);
        Path weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir, "adapter directory not found");
        }
        JsonNode c;
        try {
            c = JSON.readTree(Files.readString(configFile));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(configFile, "file not found (an adapter directory holds " + CONFIG + " and " + WEIGHTS + ")");
        } catch (IOException e) {
            throw new ModelFormatException(configFile, "not valid JSON");
        }
        if (c == null || !c.isObject()) {
            throw new ModelFormatException(configFile, "expected a JSON object");
        }
        parseSpec(c, configFile, ""); // a refused option is reported before the weights are read
        if (!Files.exists(weightsFile)) {
            throw new ModelFormatException(weightsFile, "file not found");
        }
        Map<String, HostTensor> all = SafetensorsReader.read(weightsFile);
        Map<String, HostTensor> shared = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : new ArrayList<>(all.entrySet())) {
            checkFinite(weightsFile, e.getKey(), e.getValue());
            String rest = e.getKey().startsWith(SHARED_PREFIX) ? e.getKey().substring(SHARED_PREFIX.length()) : null;
            if (rest != null && !e.getKey().startsWith(PREFIX) && AdapterMethods.isSharedTensor(rest)) {
                shared.put(rest, e.getValue());
                all.remove(e.getKey());
            } else if (!e.getKey().startsWith(PREFIX)) {
                throw new ModelFormatException(weightsFile, "tensor '" + e.getKey() + "' lacks the '" + PREFIX + "' prefix");
            }
        }
        String taskPrefix = taskModelPrefix(all.keySet());
        AdapterSpec spec = parseSpec(c, configFile, taskPrefix);
        Map<String, HostTensor> adapter = new LinkedHashMap<>();
        Map<String, HostTensor> head = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : all.entrySet()) {
            String key = e.getKey().substring(PREFIX.length());
            if (!taskPrefix.isEmpty() && key.startsWith(taskPrefix)) {
                key = key.substring(taskPrefix.length());
            }
            if (Adapters.isAdapterTensor(key)) {
                adapter.put(PREFIX + key, e.getValue());
            } else {
                head.put(key, e.getValue());
            }
        }
        return new LoadedAdapter(spec, c.path("base_model_name_or_path").asText(""), adapter, head, c, dir, shared);
    }

    private static void checkFinite(Path file, String key, HostTensor t) {
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new ModelFormatException(file, "tensor '" + key + "' contains " + (Float.isNaN(v) ? "NaN" : "infinity"));
            }
        }
    }

    /** The top-level segments of our encoders' module paths. */
    private static final Set<String> ENCODER_ROOTS = Set.of("embeddings", "encoder", "pooler", "rel_embeddings");

    /**
     * The base model's path inside the model PEFT wrapped, as the file's adapter keys show it:
     * "" for a bare encoder ({@code encoder.layer.0...}), {@code "bert."} for Hugging Face's
     * BertForSequenceClassification ({@code bert.encoder.layer.0...}), and so on.
     */
    static String taskModelPrefix(Set<String> keys) {
        String prefix = null;
        for (String k : keys) {
            String key = k.substring(PREFIX.length());
            if (!Adapters.isAdapterTensor(key)) {
                continue;
            }
            int dot = key.indexOf('.');
            String first = dot < 0 ? key : key.substring(0, dot);
            // A decoder's paths start at its causal-LM wrapper (model.layers.3.self_attn.q_proj): nothing to strip.
            String here = ENCODER_ROOTS.contains(first) || key.startsWith("model.layers.") ? "" : first + ".";
            if (prefix != null && !prefix.equals(here)) {
                return "";
            }
            prefix = here;
        }
        return prefix == null ? "" : prefix;
    }

    static AdapterSpec parseSpec(JsonNode c, Path file) {
        return parseSpec(c, file, "");
    }

    static AdapterSpec parseSpec(JsonNode c, Path file, String taskPrefix) {
        String type = c.path("peft_type").asText("");
        if (type.equals("HEAD")) {
            return AdapterSpec.headOnly();
        }
        if (type.equals("FULL")) {
            return AdapterSpec.full();
        }
        AdapterMethod method = AdapterMethods.forPeftConfig(c);
        if (method == null) {
            throw new ModelFormatException(file, "unknown peft_type '" + type + "' (supported: " + String.join(", ", AdapterMethods.peftTypes())
                    + ", and dcft-java's HEAD and FULL)");
        }
        try {
            return AdapterSpec.of(method.readPeftConfig(c, taskPrefix));
        } catch (IllegalArgumentException e) { // also a PatternSyntaxException
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    /**
     * Puts a loaded adapter on {@code root}: injects layers per its config, then fills them from the
     * file. A module the file names but the model lacks, a missing tensor, a shape that differs, or
     * a kernel that does not fit: one clear error naming the module.
     */
    public static void attach(Module root, LoadedAdapter adapter, ai.djl.ndarray.NDManager manager) {
        Path file = adapter.dir().resolve(WEIGHTS);
        if (!adapter.spec().hasAdapters()) {
            Adapters.apply(root, adapter.spec(), manager, 0);
            return;
        }
        Map<String, Module> modules = root.namedModules();
        Set<String> fileModules = new LinkedHashSet<>();
        for (String key : adapter.adapterTensors().keySet()) {
            String module = moduleOf(key);
            fileModules.add(module);
            if (!(modules.get(module) instanceof Linear)) {
                throw new ModelFormatException(file, "module '" + module + "' is not a linear layer of this model"
                        + " (adapter made for another base model"
                        + (adapter.baseModel().isEmpty() ? "" : ": '" + adapter.baseModel() + "'") + "?)");
            }
        }
        List<String> injected;
        try {
            injected = Adapters.apply(root, adapter.spec(), manager, 0);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
        for (String path : injected) {
            if (!fileModules.contains(path)) {
                throw new ModelFormatException(file, "no tensors for module '" + path + "', which target_modules selects"
                        + " (adapter made for another base model?)");
            }
        }
        Map<String, AdapterLayer> layers = Adapters.layers(root);
        Set<String> used = new java.util.HashSet<>();
        for (Map.Entry<String, AdapterLayer> e : layers.entrySet()) {
            for (Map.Entry<String, Weight> w : e.getValue().adapterWeights().entrySet()) {
                String key = PREFIX + e.getKey() + "." + e.getValue().fileKey(w.getKey());
                HostTensor t = adapter.adapterTensors().get(key);
                long[] want = w.getValue().value().getShape().getShape();
                if (t == null) {
                    throw new ModelFormatException(file, "missing tensor '" + key + "'");
                }
                if (!Arrays.equals(t.shape(), want)) {
                    throw new ModelFormatException(file, "tensor '" + key + "' has shape " + t.shapeString() + " but module '"
                            + e.getKey() + "' needs " + Arrays.toString(want) + " (adapter made for another base model?)");
                }
                w.getValue().parameter().set(manager.create(t.data(), new Shape(t.shape())));
                used.add(key);
                if (w.getValue().biasParameter() != null) {
                    used.add(PREFIX + e.getKey() + "." + w.getKey() + ".bias");
                    setChecked(file, adapter.adapterTensors(), PREFIX + e.getKey() + "." + w.getKey() + ".bias", w.getValue().biasParameter(),
                            manager);
                }
            }
        }
        for (String module : fileModules) {
            if (!layers.containsKey(module)) {
                throw new ModelFormatException(file, "module '" + module + "' has tensors but target_modules does not select it");
            }
        }
        setSharedTensors(root, adapter, manager);
        for (String key : adapter.adapterTensors().keySet()) {
            if (!used.contains(key)) {
                // e.g. a lora_B bias in a file whose config says lora_bias=false: PEFT would not load it either.
                throw new ModelFormatException(file, "tensor '" + key + "' is not part of the adapter its config describes ("
                        + adapter.spec().describe() + (key.endsWith(".lora_B.bias") ? ", lora_bias=false" : "") + ")");
            }
        }
    }

    /**
     * Puts the file's tensors that name parameters of the base itself (PEFT's {@code modules_to_save}
     * such as a pooler or a LayerNorm, and the biases that {@code bias: "all"} or {@code "lora_only"}
     * saves, under {@code <module>.base_layer.bias} for adapted layers) in place of the base's, as
     * PEFT's loading does. Call after {@link #attach}. Returns the tensors with no place in the base
     * (a classification head), which the caller uses or reports.
     */
    public static List<String> replaceBaseTensors(Module root, LoadedAdapter adapter, ai.djl.ndarray.NDManager manager) {
        Path file = adapter.dir().resolve(WEIGHTS);
        Map<String, dev.dcft.model.nn.Parameter> params = root.namedParameters();
        List<String> elsewhere = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : adapter.headTensors().entrySet()) {
            dev.dcft.model.nn.Parameter p = params.get(e.getKey());
            if (p == null) {
                elsewhere.add(e.getKey());
                continue;
            }
            setChecked(file, adapter.headTensors(), e.getKey(), p, manager);
        }
        return elsewhere;
    }

    private static void setChecked(Path file, Map<String, HostTensor> tensors, String key, dev.dcft.model.nn.Parameter p,
            ai.djl.ndarray.NDManager manager) {
        HostTensor t = tensors.get(key);
        long[] want = p.value().getShape().getShape();
        if (t == null) {
            throw new ModelFormatException(file, "missing tensor '" + key + "'");
        }
        if (!Arrays.equals(t.shape(), want)) {
            throw new ModelFormatException(file, "tensor '" + key + "' has shape " + t.shapeString() + " but the model needs "
                    + Arrays.toString(want) + " (adapter made for another base model?)");
        }
        p.set(manager.create(t.data(), new Shape(t.shape())).toType(p.value().getDataType(), false));
    }

    /** The module path of an adapter tensor key ({@code base_model.model.<module>.lora_A.weight} or {@code ...lora_B.bias}). */
    static String moduleOf(String key) {
        return AdapterMethods.moduleOf(key.substring(PREFIX.length()));
    }
}
