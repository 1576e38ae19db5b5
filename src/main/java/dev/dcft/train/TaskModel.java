package dev.dcft.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.data.TaskSpec;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.heads.QaHead;
import dev.dcft.model.heads.TaskHead;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An encoder with a method applied and a task head: what the trainer trains and what eval and
 * predict load back. Trainable tensors are named as in the saved files: encoder paths
 * ({@code encoder.layer.0.attention.self.query.dcft_A.weight}, {@code pooler.dense.weight}) and
 * head paths ({@code classifier.weight}).
 */
public final class TaskModel {
    private final LoadedModel base;
    private final AdapterSpec spec;
    private final TaskSpec task;
    private final TaskHead head;
    private final List<AdapterLayer> adapterLayers;
    private boolean backpropToEmbeddings;

    public TaskModel(LoadedModel base, AdapterSpec spec, TaskSpec task, double clsDropout, long seed) {
        this.base = base;
        this.spec = spec;
        this.task = task;
        Encoder encoder = base.model();
        if (task.isQuestionAnswering() && encoder.isDecoder()) {
            throw new IllegalArgumentException("question answering on a decoder (" + encoder.config().modelType
                    + ") is not supported: use an encoder, or a decoder for classification, regression or --task causal-lm");
        }
        if (!task.isQuestionAnswering()) {
            encoder.ensureClassificationPooler(base.manager(), seed + 2);
        }
        Adapters.apply(encoder, spec, base.manager(), seed);
        // The pooler belongs to the classification head (SPEC section 2): it trains with every method. Question
        // answering reads every token's state and never the pooler (Hugging Face builds its QA models without one),
        // so there it stays frozen and out of the adapter file, even in full fine-tuning.
        boolean qa = task.isQuestionAnswering();
        encoder.namedParameters().forEach((k, p) -> {
            if (k.startsWith("pooler.")) {
                p.setTrainable(!qa);
            }
        });
        this.head = task.isQuestionAnswering() ? new QaHead(base.manager(), encoder.config().hiddenSize, seed + 1)
                : encoder.classificationHead(base.manager(), task.numLabels(), (float) clsDropout, seed + 1);
        headModule().namedParameters().values().forEach(p -> p.setTrainable(true));
        this.adapterLayers = List.copyOf(Adapters.layers(encoder).values());
    }

    public Encoder encoder() {
        return base.model();
    }

    public LoadedModel base() {
        return base;
    }

    public TaskSpec task() {
        return task;
    }

    public AdapterSpec spec() {
        return spec;
    }

    /** The adapter layers put on the encoder (none for the baselines). */
    public List<AdapterLayer> adapterLayers() {
        return adapterLayers;
    }

    public void setTraining(boolean training) {
        base.model().setTraining(training);
        headModule().setTraining(training);
    }

    /** Every trainable tensor by its file name. */
    public Map<String, Parameter> trainable() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        base.model().namedParameters().forEach((k, p) -> {
            if (p.trainable()) {
                out.put(k, p);
            }
        });
        headModule().namedParameters().forEach((k, p) -> out.put(k, p));
        return out;
    }

    /**
     * Whether a trainable tensor belongs to the head, the modules saved whole (pooler, classifier,
     * qa_outputs), which train at {@code --head-lr}; the others are the adapter (or, in full
     * fine-tuning, the encoder).
     */
    public boolean isHead(String name) {
        return name.startsWith("pooler.") || headModule().namedParameters().containsKey(name);
    }

    private Module headModule() {
        return (Module) head;
    }

    /** Trainable numbers, head included. */
    public long trainableCount() {
        return trainable().values().stream().mapToLong(Parameter::numel).sum();
    }

    public NDArray logits(EncoderInput in) {
        Encoder encoder = base.model();
        NDArray embedded = encoder.embed(in);
        if (backpropToEmbeddings) {
            // The backward-pass floor: gradients flow through every layer to here, and no weight gets one.
            embedded.setRequiresGradient(true);
        }
        return head.forward(encoder, encoder.encode(embedded, in), in.mask());
    }

    /**
     * Makes the embedding output a gradient leaf, so a head-only model still runs the backward
     * pass through the whole frozen encoder: the cost every method adapting all layers pays.
     */
    public void backpropToEmbeddings(boolean on) {
        this.backpropToEmbeddings = on;
    }

    /**
     * Cross-entropy; mean squared error for regression; for multi-label, binary cross-entropy with
     * logits averaged over examples and labels ({@code targets} then holds B x labels 0/1 values).
     */
    public NDArray loss(NDManager scope, NDArray logits, float[] targets) {
        if (task.isRegression()) {
            NDArray y = scope.create(targets);
            return logits.reshape(-1).sub(y).square().mean();
        }
        if (task.isQuestionAnswering()) {
            // Mean of the start and end cross-entropies over the sequence, as Hugging Face's QA models.
            long b = logits.getShape().get(0);
            long t = logits.getShape().get(1);
            long[] starts = new long[(int) b];
            long[] ends = new long[(int) b];
            for (int i = 0; i < b; i++) {
                starts[i] = (long) targets[2 * i];
                ends[i] = (long) targets[2 * i + 1];
            }
            NDArray logp = logits.logSoftmax(1);
            NDArray startLoss = logp.get(":, :, 0").mul(scope.create(starts).oneHot((int) t)).sum(new int[] {1}).neg().mean();
            NDArray endLoss = logp.get(":, :, 1").mul(scope.create(ends).oneHot((int) t)).sum(new int[] {1}).neg().mean();
            return Scalars.mul(startLoss.add(endLoss), 0.5);
        }
        if (task.isMultiLabel()) {
            NDArray y = scope.create(targets, logits.getShape());
            // softplus(x) - x*y, written stably as relu(x) - x*y + log(1 + exp(-|x|)); constants through
            // Scalars so autograd keeps them alive.
            NDArray softplus = ai.djl.nn.Activation.relu(logits).add(Scalars.add(logits.abs().neg().exp(), 1).log());
            return softplus.sub(logits.mul(y)).mean();
        }
        long[] labels = new long[targets.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (long) targets[i];
        }
        NDArray onehot = scope.create(labels).oneHot(task.numLabels());
        return logits.logSoftmax(-1).mul(onehot).sum(new int[] {1}).neg().mean();
    }

    /** Tensors that are not adapter weights: the head, the pooler, and for full fine-tuning the encoder. */
    Map<String, HostTensor> headTensors() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : trainable().entrySet()) {
            if (!Adapters.isAdapterTensor(e.getKey())) {
                NDArray v = e.getValue().value();
                out.put(e.getKey(), new HostTensor(v.getShape().getShape(), v.toFloatArray()));
            }
        }
        return out;
    }

    /** The targets of a batch as {@link #loss} takes them. */
    public float[] targets(List<dev.dcft.data.Example> batch) {
        int k = task.numLabels();
        float[] out = new float[task.isMultiLabel() || task.isQuestionAnswering() ? batch.size() * k : batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            var ex = batch.get(i);
            if (task.isQuestionAnswering()) {
                out[2 * i] = ex.labelSet()[0];
                out[2 * i + 1] = ex.labelSet()[1];
            } else if (task.isMultiLabel()) {
                for (int j : ex.labelSet()) {
                    out[i * k + j] = 1;
                }
            } else {
                out[i] = task.isRegression() ? ex.score() : ex.label();
            }
        }
        return out;
    }

    /** Writes the trainable state in PEFT's layout (head as modules_to_save), replacing {@code dir}. */
    public void saveAdapter(Path dir, String baseModelName) throws IOException {
        List<String> save = new ArrayList<>(head.moduleNames());
        if (base.model().hasPooler() && !task.isQuestionAnswering()) {
            save.add("pooler");
        }
        com.fasterxml.jackson.databind.node.ObjectNode labels = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        labels.put("problem_type", task.type().problemType);
        if (!task.isRegression() && !task.isQuestionAnswering()) {
            var id2label = labels.putObject("id2label");
            var label2id = labels.putObject("label2id");
            for (int i = 0; i < task.labels().size(); i++) {
                id2label.put(Integer.toString(i), task.labels().get(i));
                label2id.put(task.labels().get(i), i);
            }
        }
        PeftAdapterFiles.save(dir, spec, baseModelName, base.model(), headTensors(), save,
                task.isQuestionAnswering() ? "QUESTION_ANS" : "SEQ_CLS", true, labels);
    }

    /** Loads a saved adapter directory's tensors into this (identically configured) model. */
    public void loadAdapter(PeftAdapterFiles.LoadedAdapter adapter) {
        Path file = adapter.dir().resolve(PeftAdapterFiles.WEIGHTS);
        Map<String, Parameter> params = trainable();
        Map<String, HostTensor> all = new LinkedHashMap<>(adapter.headTensors());
        Map<String, String> paths = PeftAdapterFiles.parameterPaths(base.model());
        adapter.adapterTensors().forEach((k, v) -> {
            String key = k.substring(PeftAdapterFiles.PREFIX.length());
            all.put(paths.getOrDefault(key, key), v);
        });
        PeftAdapterFiles.setSharedTensors(base.model(), adapter, base.manager());
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = all.get(e.getKey());
            long[] want = e.getValue().value().getShape().getShape();
            if (t == null) {
                throw new ModelFormatException(file, "missing tensor '" + PeftAdapterFiles.PREFIX + e.getKey() + "'");
            }
            if (!Arrays.equals(want, t.shape())) {
                throw new ModelFormatException(file, "tensor '" + e.getKey() + "' has shape " + t.shapeString() + ", the model needs "
                        + Arrays.toString(want) + " (saved for another model or task?)");
            }
            e.getValue().set(base.manager().create(t.data(), new Shape(t.shape())));
            e.getValue().setTrainable(true);
        }
        for (String k : all.keySet()) {
            // Question-answering adapters written before the pooler left them carry it; this model never reads it.
            boolean unreadPooler = task.isQuestionAnswering() && k.startsWith("pooler.") && base.model().hasPooler();
            if (!params.containsKey(k) && !unreadPooler) {
                throw new ModelFormatException(file, "tensor '" + k + "' has no place in this model (saved for another model or task?)");
            }
        }
    }
}
