package dev.dcft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.serving.LayerMismatchException;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.TaskType;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.train.RunDirectory;
import dev.dcft.train.TaskRun;
import dev.dcft.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads an adapter directory, or a run directory (its best adapter, with the run's task and
 * truncation length), into a {@link ServedAdapter} checked against the served base: every adapted
 * module must be one of the base's linear layers with matching sizes, and the head must fit the
 * hidden size; otherwise 409 with the reason. Files are only read.
 */
final class AdapterLoader {
    private final ServingModel model;
    private final boolean bf16;

    /** {@code bf16}: keep the adapters' numbers in bfloat16 ({@link Numbers}). */
    AdapterLoader(ServingModel model, boolean bf16) {
        this.model = model;
        this.bf16 = bf16;
    }

    /** Adapter and run directories under {@code root} (itself included), by directory name. */
    static Map<String, Path> discover(Path root) throws IOException {
        Map<String, Path> found = new LinkedHashMap<>();
        List<Path> dirs;
        Path rootReal = root.toRealPath();
        try (Stream<Path> s = Files.walk(root, 4)) {
            // A symbolic link that leads out of the adapters directory is not followed (as for PUT, AdapterPaths).
            dirs = s.filter(Files::isDirectory).filter(d -> AdapterPaths.resolvesWithin(d, rootReal)).sorted().toList();
        }
        for (Path d : dirs) {
            boolean run = Files.isRegularFile(d.resolve("config.json")) && Files.isRegularFile(d.resolve("adapter").resolve(PeftAdapterFiles.CONFIG));
            boolean adapter = Files.isRegularFile(d.resolve(PeftAdapterFiles.CONFIG));
            boolean insideRun = d.getFileName() != null && d.getFileName().toString().equals("adapter")
                    && Files.isRegularFile(d.getParent().resolve("config.json"));
            if ((run || adapter) && !insideRun) {
                String name = d.equals(root) ? d.toAbsolutePath().getFileName().toString() : d.getFileName().toString();
                found.putIfAbsent(name, d);
            }
        }
        return found;
    }

    ServedAdapter load(String name, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ServeException(400, "adapter path '" + dir + "' is not a directory");
        }
        Path adapterDir = dir;
        TaskSpec task = null;
        int maxLength = model.defaultMaxLength();
        boolean pairsKnown = false;
        if (Files.isRegularFile(dir.resolve("config.json")) && Files.isDirectory(dir.resolve("adapter"))) {
            RunDirectory run = new RunDirectory(dir);
            try {
                TrainConfig c = run.readConfig();
                task = TaskRun.spec(c);
                maxLength = c.maxLen();
                pairsKnown = true;
            } catch (IOException | RuntimeException e) {
                throw new ServeException(400, dir.resolve("config.json") + ": " + e.getMessage());
            }
            adapterDir = run.adapter();
        }
        PeftAdapterFiles.LoadedAdapter a;
        try {
            a = PeftAdapterFiles.load(adapterDir);
        } catch (ModelFormatException e) {
            throw new ServeException(400, e.getMessage());
        }
        if (task == null) {
            task = TaskSpec.fromAdapterConfig(name, a.config(), false);
        }
        if (task.isQuestionAnswering()) {
            throw new ServeException(400, "'" + name + "' is a question-answering adapter; the server labels texts");
        }
        if (a.spec().isFull()) {
            throw new ServeException(409, "'" + name + "' is a full fine-tuning: it replaces the base, there is no adapter to serve");
        }
        refuseBaseChanges(name, a);
        Map<String, ServedLayer> layers = a.spec().hasAdapters() ? layers(name, a) : Map.of();
        Map<String, HostTensor> head = a.headTensors();
        int hidden = model.hiddenSize();
        HostTensor w = require(name, head, "classifier.weight");
        HostTensor b = require(name, head, "classifier.bias");
        if (w.rank() != 2 || w.shape()[1] != hidden || b.shape()[0] != w.shape()[0]) {
            throw conflict(name, a, "its classifier is " + w.shapeString() + ", this base's hidden size is " + hidden);
        }
        if (!task.isRegression() && w.shape()[0] != task.numLabels()) {
            throw new ServeException(400, "'" + name + "': the classifier has " + w.shape()[0] + " outputs but the config names "
                    + task.numLabels() + " labels");
        }
        Numbers pw = null;
        Numbers pb = null;
        if (model.hasPooler()) {
            HostTensor p = head.get("pooler.dense.weight");
            HostTensor q = head.get("pooler.dense.bias");
            if (p == null || q == null) {
                throw conflict(name, a, "this base has a pooler, which trains with every method, but the adapter carries none");
            }
            if (p.shape()[0] != hidden || p.shape()[1] != hidden) {
                throw conflict(name, a, "its pooler is " + p.shapeString() + ", this base's hidden size is " + hidden);
            }
            pw = Numbers.of(p.data(), bf16);
            pb = Numbers.of(q.data(), bf16);
        } else if (head.containsKey("pooler.dense.weight")) {
            throw conflict(name, a, "the adapter carries a pooler, this base has none");
        }
        return new ServedAdapter(name, dir, a.spec(), task, pairsKnown, maxLength, layers, Numbers.of(w.data(), bf16),
                Numbers.of(b.data(), bf16), pw, pb);
    }

    /**
     * One base serves every adapter, so an adapter that changes the base itself (LoRA's saved biases,
     * lora_B biases, modules saved whole other than the pooler and classifier) cannot be served
     * without giving the others a different base: refused by name (merge it with dcft merge instead).
     */
    private static void refuseBaseChanges(String name, PeftAdapterFiles.LoadedAdapter a) {
        String what = null;
        if (a.spec().hasAdapters() && a.spec().config().changesBase() != null) {
            what = a.spec().config().changesBase();
        } else {
            for (String k : a.headTensors().keySet()) {
                if (!k.startsWith("classifier.") && !k.startsWith("pooler.")) {
                    what = "a saved base module ('" + k + "')";
                    break;
                }
            }
        }
        if (what != null) {
            throw new ServeException(400, "'" + name + "' changes the shared base (" + what + "), which the server cannot do per"
                    + " adapter; serve its merged model instead (dcft merge)");
        }
    }

    private static HostTensor require(String name, Map<String, HostTensor> head, String key) {
        HostTensor t = head.get(key);
        if (t == null) {
            throw new ServeException(400, "'" + name + "' has no '" + key + "' (the server needs a sequence-classification head)");
        }
        return t;
    }

    private ServeException conflict(String name, PeftAdapterFiles.LoadedAdapter a, String reason) {
        return new ServeException(409, "adapter '" + name + "' does not fit the served base " + model.name() + ": " + reason
                + (a.baseModel().isEmpty() ? "" : " (it was trained on '" + a.baseModel() + "')"));
    }

    private Map<String, ServedLayer> layers(String name, PeftAdapterFiles.LoadedAdapter a) {
        Map<String, Map<String, HostTensor>> byModule = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : a.adapterTensors().entrySet()) {
            String rest = e.getKey().substring(PeftAdapterFiles.PREFIX.length());
            String module = dev.dcft.adapters.AdapterMethods.moduleOf(rest);
            String tensor = rest.substring(module.length() + 1);
            tensor = tensor.endsWith(".weight") ? tensor.substring(0, tensor.length() - ".weight".length()) : tensor;
            byModule.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(tensor, e.getValue());
        }
        // Tensors every layer shares (VeRA's projections) are handed to each layer's served form under their own names.
        byModule.values().forEach(t -> t.putAll(a.sharedTensors()));
        Map<String, ServedLayer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, HostTensor>> e : byModule.entrySet()) {
            int[] shape = model.linearShape(e.getKey());
            if (shape == null) {
                throw conflict(name, a, "module '" + e.getKey() + "' is not an adaptable linear layer of this base");
            }
            try {
                out.put(e.getKey(), a.spec().config().servedLayer(e.getKey(), shape[0], shape[1], e.getValue(), bf16));
            } catch (LayerMismatchException ex) {
                throw conflict(name, a, ex.getMessage());
            } catch (IllegalArgumentException ex) {
                throw new ServeException(400, "'" + name + "': " + ex.getMessage());
            }
        }
        return out;
    }
}
