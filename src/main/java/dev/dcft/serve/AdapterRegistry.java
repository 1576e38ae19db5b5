package dev.dcft.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The loaded adapters by name: loading (checked against the base), unloading, and what each holds. */
final class AdapterRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final AdapterLoader loader;
    private final Map<String, ServedAdapter> adapters = new ConcurrentHashMap<>();

    AdapterRegistry(ServingModel model, boolean bf16Storage) {
        this.loader = new AdapterLoader(model, bf16Storage);
    }

    int size() {
        return adapters.size();
    }

    /** Loads (or replaces) adapter {@code name} from an adapter or run directory; true when it replaced one. */
    boolean load(String name, Path dir) {
        if (!NAME.matcher(name).matches()) {
            throw new ServeException(400, "adapter names are 1-128 of A-Z a-z 0-9 . _ -, got '" + name + "'");
        }
        return adapters.put(name, loader.load(name, dir)) != null;
    }

    /** The adapter called {@code name}; 404 when none is. */
    ServedAdapter get(String name) {
        ServedAdapter a = adapters.get(name);
        if (a == null) {
            throw new ServeException(404, "no adapter named '" + name + "' (GET /v1/adapters lists them)");
        }
        return a;
    }

    void unload(String name) {
        if (adapters.remove(name) == null) {
            throw new ServeException(404, "no adapter named '" + name + "'");
        }
    }

    /** Numbers held on the heap by the loaded adapters (layers and heads). */
    long numbers() {
        return adapters.values().stream().mapToLong(ServedAdapter::numbers).sum();
    }

    ArrayNode list() {
        ArrayNode list = JSON.createArrayNode();
        new java.util.TreeMap<>(adapters).values().forEach(a -> list.add(describe(a)));
        return list;
    }

    /**
     * Benchmarks: {@code count} more adapters named {@code template-0...}, each a copy of adapter
     * {@code template} with every number perturbed, so each holds its own arrays as a loaded one would.
     */
    void registerCopies(String template, int count, long seed) {
        ServedAdapter t = get(template);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            String name = template + "-" + i;
            adapters.put(name, t.jittered(name, rng));
        }
    }

    /** Unloads every adapter whose name starts with {@code prefix} (benchmarks). */
    void unloadAll(String prefix) {
        adapters.keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** Registers an adapter whose layers were merged into the base: only its head runs per request (benchmarks). */
    void registerMerged(String name, Path dir) {
        adapters.put(name, loader.load(name, dir).headOnly());
    }

    static ObjectNode describe(ServedAdapter a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", a.name());
        o.put("source", a.source().toString());
        o.put("method", a.spec().peftType());
        if (a.spec().hasAdapters()) {
            // The method's own fields of its adapter_config.json (kernel_size, stride, r, lora_alpha, ...), numbers only.
            ObjectNode file = dev.dcft.io.PeftAdapterFiles.configJson(a.spec(), "", null, null);
            file.fields().forEachRemaining(e -> {
                if (e.getValue().isNumber()) {
                    o.set(e.getKey(), e.getValue());
                }
            });
        }
        o.put("problem_type", a.task().type().problemType);
        ArrayNode labels = o.putArray("labels");
        a.task().labels().forEach(labels::add);
        o.put("adapted_modules", a.layers().size());
        o.put("numbers", a.numbers());
        return o;
    }

}
