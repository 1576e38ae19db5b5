package dev.dcft.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Method;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.dcft.DcftGeometry;
import dev.dcft.adapters.dcft.DcftKernels;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.TaskType;
import dev.dcft.engine.Engines;
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
import java.util.Arrays;
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
            task = taskFromConfig(name, a.config());
        }
        if (task.isQuestionAnswering()) {
            throw new ServeException(400, "'" + name + "' is a question-answering adapter; the server labels texts");
        }
        Method method = a.spec().method();
        if (method == Method.FULL) {
            throw new ServeException(409, "'" + name + "' is a full fine-tuning: it replaces the base, there is no adapter to serve");
        }
        refuseBaseChanges(name, a);
        Map<String, LayerWeights> layers = method == Method.HEAD ? Map.of() : layers(name, a);
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
        if (a.spec().lora() != null && !a.spec().lora().bias().equals("none")) {
            what = "bias=\"" + a.spec().lora().bias() + "\"";
        } else if (a.spec().lora() != null && a.spec().lora().loraBias()) {
            what = "lora_bias=true";
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

    private static TaskSpec taskFromConfig(String name, JsonNode c) {
        TaskType type = TaskType.parse(c.path("problem_type").asText("single_label_classification"));
        List<String> labels = new ArrayList<>();
        JsonNode id2label = c.path("id2label");
        for (int i = 0; i < id2label.size(); i++) {
            labels.add(id2label.path(Integer.toString(i)).asText("LABEL_" + i));
        }
        return TaskSpec.custom(name, type, labels, false);
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

    private Map<String, LayerWeights> layers(String name, PeftAdapterFiles.LoadedAdapter a) {
        Map<String, Map<String, HostTensor>> byModule = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : a.adapterTensors().entrySet()) {
            String rest = e.getKey().substring(PeftAdapterFiles.PREFIX.length());
            String noWeight = rest.substring(0, rest.length() - ".weight".length());
            int dot = noWeight.lastIndexOf('.');
            byModule.computeIfAbsent(noWeight.substring(0, dot), k -> new LinkedHashMap<>()).put(noWeight.substring(dot + 1), e.getValue());
        }
        Map<String, LayerWeights> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, HostTensor>> e : byModule.entrySet()) {
            int[] shape = model.linearShape(e.getKey());
            if (shape == null) {
                throw conflict(name, a, "module '" + e.getKey() + "' is not an adaptable linear layer of this base");
            }
            out.put(e.getKey(), a.spec().method() == Method.DCFT
                    ? dcft(name, a, e.getKey(), shape[0], shape[1], a.spec().dcft(), e.getValue())
                    : lora(name, a, e.getKey(), shape[0], shape[1], e.getValue(), a.spec().lora().rankFor(e.getKey()),
                            a.spec().lora().scaleFor(e.getKey())));
        }
        return out;
    }

    private HostTensor tensor(String name, PeftAdapterFiles.LoadedAdapter a, String module, Map<String, HostTensor> t, String key,
            long... shape) {
        HostTensor v = t.get(key);
        if (v == null) {
            throw new ServeException(400, "'" + name + "': no " + key + " for module '" + module + "'");
        }
        if (!Arrays.equals(v.shape(), shape)) {
            throw conflict(name, a, "module '" + module + "' " + key + " is " + v.shapeString() + ", this base needs "
                    + Arrays.toString(shape));
        }
        return v;
    }

    private LayerWeights dcft(String name, PeftAdapterFiles.LoadedAdapter a, String module, int in, int out, DcftConfig c,
            Map<String, HostTensor> t) {
        DcftGeometry g;
        try {
            g = DcftGeometry.of(module, in, out, c.kernel(), c.stride(), c.rank());
        } catch (IllegalArgumentException e) {
            throw conflict(name, a, e.getMessage());
        }
        HostTensor av = tensor(name, a, module, t, "dcft_A", g.rank(), g.nIn());
        HostTensor bv = tensor(name, a, module, t, "dcft_B", g.nOut(), g.rank());
        HostTensor cv = tensor(name, a, module, t, "dcft_C", g.kernel(), g.kernel());
        float s = (float) c.scale();
        if (g.stride() == g.kernel()) {
            return new LayerWeights.Kronecker(g.kernel(), g.rank(), g.nIn(), g.nOut(),
                    Numbers.of(transposed(av.data(), g.rank(), g.nIn(), 1), bf16),
                    Numbers.of(transposed(bv.data(), g.nOut(), g.rank(), s), bf16), Numbers.of(cv.data(), bf16));
        }
        // Overlapping kernels: build the two thin factors once, here, with the training code's own construction.
        Engines.gradientsOff();
        try (NDManager m = Engines.newManager()) {
            NDArray inT = DcftKernels.inputFactorT(m, m.create(av.data(), new Shape(av.shape())), m.create(cv.data(), new Shape(cv.shape())), g);
            NDArray outT = DcftKernels.outputFactorT(m, m.create(bv.data(), new Shape(bv.shape())), g);
            int rows = g.rank() * g.kernel();
            float[] scaledOutT = outT.toFloatArray();
            for (int i = 0; i < scaledOutT.length; i++) {
                scaledOutT[i] *= s;
            }
            return new LayerWeights.Factors(rows, in, out, Numbers.of(inT.toFloatArray(), bf16), Numbers.of(scaledOutT, bf16));
        }
    }

    private LayerWeights lora(String name, PeftAdapterFiles.LoadedAdapter a, String module, int in, int out, Map<String, HostTensor> t,
            int r, double scale) {
        HostTensor av = tensor(name, a, module, t, "lora_A", r, in);
        HostTensor bv = tensor(name, a, module, t, "lora_B", out, r);
        return new LayerWeights.Factors(r, in, out, Numbers.of(av.data(), bf16), Numbers.of(transposed(bv.data(), out, r, scale), bf16));
    }

    /** {@code scale * m^T} for a row-major {@code [rows, cols]} matrix {@code m}. */
    private static float[] transposed(float[] m, int rows, int cols, double scale) {
        float[] t = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = (float) (m[i * cols + j] * scale);
            }
        }
        return t;
    }
}
