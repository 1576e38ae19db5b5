package dev.dcft.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.Method;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.lora.LoraConfig;
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
            Map<String, HostTensor> headTensors, JsonNode config, Path dir) {
    }

    /** The config JSON PEFT would write for this adapter. */
    public static ObjectNode configJson(AdapterSpec spec, String baseModel, List<String> modulesToSave, String taskType) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode save = modulesToSave == null || modulesToSave.isEmpty() ? null : JSON.createArrayNode();
        if (save != null) {
            modulesToSave.forEach(save::add);
        }
        if (spec.method() == Method.LORA) {
            LoraConfig c = spec.lora();
            o.putObject("alpha_pattern");
            o.putNull("auto_mapping");
            o.put("base_model_name_or_path", baseModel);
            o.put("bias", "none");
            o.put("fan_in_fan_out", false);
            o.put("inference_mode", true);
            o.put("init_lora_weights", true);
            o.putNull("layers_pattern");
            o.putNull("layers_to_transform");
            putNumber(o, "lora_alpha", c.alpha());
            o.put("lora_dropout", c.dropout());
            o.set("modules_to_save", save);
            o.put("peft_type", "LORA");
            o.put("r", c.rank());
            o.putObject("rank_pattern");
            o.putNull("revision");
            putTargets(o, c.targets());
            setTask(o, taskType);
            o.put("use_dora", false);
            o.put("use_rslora", false);
        } else if (spec.method() == Method.DCFT) {
            DcftConfig c = spec.dcft();
            o.put("peft_type", "DCFT");
            o.put("base_model_name_or_path", baseModel);
            o.put("kernel_size", c.kernel());
            o.put("stride", c.stride());
            o.put("r", c.rank());
            putNumber(o, "alpha", c.alpha());
            o.put("dropout", c.dropout());
            o.put("init_weights", c.init().peftName());
            putTargets(o, c.targets());
            o.set("modules_to_save", save);
            setTask(o, taskType);
            o.put("inference_mode", true);
        } else {
            // dcft-java's own types, so every method's run saves the same way: the head alone, or everything.
            o.put("peft_type", spec.method().name());
            o.put("base_model_name_or_path", baseModel);
            o.set("modules_to_save", save);
            setTask(o, taskType);
            o.put("inference_mode", true);
        }
        return o;
    }

    private static void setTask(ObjectNode o, String taskType) {
        if (taskType == null) {
            o.putNull("task_type");
        } else {
            o.put("task_type", taskType);
        }
    }

    private static void putNumber(ObjectNode o, String field, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            o.put(field, (long) v);
        } else {
            o.put(field, v);
        }
    }

    private static void putTargets(ObjectNode o, TargetModules t) {
        if (t.isRegex()) {
            o.put("target_modules", t.pattern());
        } else {
            ArrayNode a = o.putArray("target_modules");
            t.nameList().forEach(a::add);
        }
    }

    /** Adapter tensors of {@code root} under PEFT keys. */
    public static Map<String, HostTensor> adapterTensors(Module root) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, AdapterLayer> e : Adapters.layers(root).entrySet()) {
            for (Map.Entry<String, Weight> w : e.getValue().adapterWeights().entrySet()) {
                NDArray v = w.getValue().value();
                out.put(PREFIX + e.getKey() + "." + w.getKey() + ".weight", new HostTensor(v.getShape().getShape(), v.toFloatArray()));
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
        AdapterSpec spec = parseSpec(c, configFile);
        if (!Files.exists(weightsFile)) {
            throw new ModelFormatException(weightsFile, "file not found");
        }
        Map<String, HostTensor> all = SafetensorsReader.read(weightsFile);
        Map<String, HostTensor> adapter = new LinkedHashMap<>();
        Map<String, HostTensor> head = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : all.entrySet()) {
            checkFinite(weightsFile, e.getKey(), e.getValue());
            if (!e.getKey().startsWith(PREFIX)) {
                throw new ModelFormatException(weightsFile, "tensor '" + e.getKey() + "' lacks the '" + PREFIX + "' prefix");
            }
            String key = e.getKey().substring(PREFIX.length());
            if (Adapters.isAdapterTensor(key)) {
                adapter.put(e.getKey(), e.getValue());
            } else {
                head.put(key, e.getValue());
            }
        }
        return new LoadedAdapter(spec, c.path("base_model_name_or_path").asText(""), adapter, head, c, dir);
    }

    private static void checkFinite(Path file, String key, HostTensor t) {
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new ModelFormatException(file, "tensor '" + key + "' contains " + (Float.isNaN(v) ? "NaN" : "infinity"));
            }
        }
    }

    static AdapterSpec parseSpec(JsonNode c, Path file) {
        String type = c.path("peft_type").asText("");
        if (type.equals("HEAD") || type.equals("FULL")) {
            return AdapterSpec.of(Method.valueOf(type));
        }
        TargetModules targets = parseTargets(c.get("target_modules"), file);
        switch (type) {
            case "LORA" -> {
                requireFields(c, file, "r", "lora_alpha");
                return AdapterSpec.lora(new LoraConfig(c.get("r").asInt(), c.get("lora_alpha").asDouble(),
                        c.path("lora_dropout").asDouble(0), targets));
            }
            case "DCFT" -> {
                requireFields(c, file, "kernel_size", "r", "alpha");
                int d = c.get("kernel_size").asInt();
                return AdapterSpec.dcft(new DcftConfig(d, c.path("stride").asInt(d), c.get("r").asInt(),
                        c.get("alpha").asDouble(), DcftConfig.Init.parse(c.path("init_weights").asText("gaussian")),
                        c.path("dropout").asDouble(0), targets));
            }
            default -> throw new ModelFormatException(file, "unknown peft_type '" + type + "' (supported: DCFT, LORA, and"
                    + " dcft-java's HEAD and FULL)");
        }
    }

    private static void requireFields(JsonNode c, Path file, String... fields) {
        for (String f : fields) {
            if (!c.hasNonNull(f) || !c.get(f).isNumber()) {
                throw new ModelFormatException(file, "missing or non-numeric field '" + f + "'");
            }
        }
    }

    private static TargetModules parseTargets(JsonNode t, Path file) {
        if (t == null || t.isNull()) {
            throw new ModelFormatException(file, "missing field 'target_modules'");
        }
        if (t.isTextual()) {
            return TargetModules.regex(t.asText());
        }
        List<String> names = new ArrayList<>();
        t.forEach(n -> names.add(n.asText()));
        return TargetModules.names(names);
    }

    /**
     * Puts a loaded adapter on {@code root}: injects layers per its config, then fills them from the
     * file. A module the file names but the model lacks, a missing tensor, a shape that differs, or
     * a kernel that does not fit: one clear error naming the module.
     */
    public static void attach(Module root, LoadedAdapter adapter, ai.djl.ndarray.NDManager manager) {
        Path file = adapter.dir().resolve(WEIGHTS);
        if (adapter.spec().method() == Method.HEAD || adapter.spec().method() == Method.FULL) {
            Adapters.apply(root, adapter.spec(), manager, 0);
            return;
        }
        Map<String, Module> modules = root.namedModules();
        Set<String> fileModules = new LinkedHashSet<>();
        for (String key : adapter.adapterTensors().keySet()) {
            String rest = key.substring(PREFIX.length());
            String module = rest.substring(0, rest.lastIndexOf('.', rest.length() - ".weight".length() - 1));
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
        for (Map.Entry<String, AdapterLayer> e : layers.entrySet()) {
            for (Map.Entry<String, Weight> w : e.getValue().adapterWeights().entrySet()) {
                String key = PREFIX + e.getKey() + "." + w.getKey() + ".weight";
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
            }
        }
        for (String module : fileModules) {
            if (!layers.containsKey(module)) {
                throw new ModelFormatException(file, "module '" + module + "' has tensors but target_modules does not select it");
            }
        }
    }
}
