package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.io.Checkpoint;
import dev.dcft.io.CheckpointFormats;
import dev.dcft.io.CheckpointReader;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.onnx.OnnxCheckpointReader;
import dev.dcft.model.bert.BertConfig;
import dev.dcft.model.bert.BertInit;
import dev.dcft.model.bert.BertModel;
import dev.dcft.model.heads.MaskedLmHead;
import dev.dcft.model.nn.FrozenBf16;
import dev.dcft.model.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolves {@code --model} on two independent axes, as Hugging Face's AutoModel does: a checkpoint
 * format yields a config and named tensors ({@link CheckpointFormats}), then the architecture
 * named by {@code model_type} builds its module tree and takes its tensors ({@link Architectures}).
 * Accepted: an embedded model's name, a model directory in any supported format, or an
 * {@code .onnx} file with {@code tokenizer.json} beside it.
 */
public final class ModelLoader {
    public static final String DEFAULT_MODEL = EmbeddedModels.MINILM;

    private ModelLoader() {
    }

    /** The embedded model a name (or alias) refers to, or null when it names none. */
    public static String embeddedName(String name) {
        return EmbeddedModels.canonical(name);
    }

    public static LoadedModel load(String nameOrPath) {
        return load(nameOrPath, Precision.FP32);
    }

    /**
     * Loads as {@link #load(String)}; with {@code BF16} (or {@code AUTO} on a CPU that multiplies
     * bf16 natively) the frozen base is stored in bfloat16, each tensor cast as it is read
     * ({@link FrozenBf16}).
     */
    public static LoadedModel load(String nameOrPath, Precision precision) {
        Precision.Choice choice = precision.resolve();
        LoadedModel model = load0(nameOrPath, choice.bf16());
        model.setPrecision(choice);
        return model;
    }

    /**
     * {@code model}, loaded in float32, with its frozen base cast as {@code precision} resolves (the
     * pooler stays float32: it trains).
     */
    public static LoadedModel withPrecision(LoadedModel model, Precision precision) {
        Precision.Choice choice = precision.resolve();
        if (choice.bf16()) {
            FrozenBf16.cast(model.model(), "pooler");
            if (model.mlmHead() != null) {
                FrozenBf16.cast(model.mlmHead());
            }
        }
        model.setPrecision(choice);
        return model;
    }

    private static LoadedModel load0(String nameOrPath, boolean bf16) {
        String embedded = embeddedName(nameOrPath);
        if (embedded != null) {
            EmbeddedModels.Source s = EmbeddedModels.read(embedded);
            return assemble(embedded, s.checkpoint(), s.tokenizerFiles(), bf16);
        }
        Path p = Path.of(nameOrPath);
        if (Files.isDirectory(p)) {
            CheckpointReader reader = CheckpointFormats.find(p);
            if (reader == null && Files.exists(p.resolve("config.json"))) {
                throw new ModelFormatException(p, "missing model.safetensors (or pytorch_model.bin, a sharded index of either,"
                        + " a TensorFlow checkpoint, or model.onnx) beside config.json");
            }
            if (reader == null) {
                throw new ModelFormatException(p, "not a model directory: expected " + CheckpointFormats.expected()
                        + ", and a tokenizer (tokenizer.json, spm.model or vocab.txt)");
            }
            Map<String, byte[]> tok = TokenizerFiles.read(p);
            return assemble(p.toString(), reader.read(p), tok, bf16);
        }
        if (Files.isRegularFile(p) && p.toString().endsWith(".onnx")) {
            Path dir = p.toAbsolutePath().getParent();
            Map<String, byte[]> tok = TokenizerFiles.read(dir);
            return assemble(dir.toString(), OnnxCheckpointReader.readFile(p), tok, bf16);
        }
        throw new ModelFormatException("unknown model '" + nameOrPath + "': not an embedded model ("
                + String.join(", ", EmbeddedModels.NAMES.stream().sorted().toList()) + ") and not an existing directory or .onnx file");
    }

    /** Builds the architecture the checkpoint's config names and loads every tensor it needs. */
    static LoadedModel assemble(String name, Checkpoint checkpoint, Map<String, byte[]> tokenizerFiles, boolean bf16) {
        Architecture arch = Architectures.forConfig(checkpoint.config(), checkpoint.configSource());
        EncoderConfig config = arch.config(checkpoint.config(), checkpoint.configSource());
        Map<String, HostTensor> tensors = arch.normalise(checkpoint.tensors());
        NDManager manager = Engines.newManager();
        try {
            Encoder encoder = arch.create(manager, config, tensors.keySet());
            // In bf16, each frozen tensor is cast as it is read: the float32 base never exists whole.
            ModuleWeights.load(encoder, "", tensors, manager, checkpoint.source(),
                    bf16 ? FrozenBf16.eligible(encoder, "pooler") : java.util.Set.of());
            MaskedLmHead mlm = null;
            if (tensors.containsKey(MaskedLmHead.MARKER)) {
                mlm = new MaskedLmHead(manager, config);
                ModuleWeights.load(mlm, "cls.", tensors, manager, checkpoint.source(),
                        bf16 ? FrozenBf16.eligible(mlm) : java.util.Set.of());
            }
            return new LoadedModel(name, encoder, mlm, manager, tokenizerFiles, checkpoint.source());
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
        return random(layers, hidden, ffn, heads, seed, Precision.FP32);
    }

    /** As above, the frozen base stored as {@code precision} says, each tensor cast as it is drawn. */
    public static LoadedModel random(int layers, int hidden, int ffn, int heads, long seed, Precision precision) {
        BertConfig config = BertConfig.of(30522, hidden, layers, heads, ffn, 512, 2, 1e-12f);
        NDManager manager = Engines.newManager();
        BertModel model = new BertModel(manager, config, false);
        Precision.Choice choice = precision.resolve();
        BertInit.randomize(model, manager, seed, choice.bf16() ? FrozenBf16.eligible(model, "pooler") : java.util.Set.of());
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("tokenizer.json", EmbeddedModels.minilmTokenizer());
        String name = "random " + layers + "," + hidden + "," + ffn + "," + heads;
        LoadedModel loaded = new LoadedModel(name, model, null, manager, files, name);
        loaded.setPrecision(choice);
        return loaded;
    }
}
