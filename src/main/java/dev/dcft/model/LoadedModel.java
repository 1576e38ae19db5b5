package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import dev.dcft.engine.Precision;
import dev.dcft.io.HfModelDirectory;

import dev.dcft.io.HostTensor;
import dev.dcft.model.heads.MaskedLmHead;
import java.util.LinkedHashMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A pretrained encoder with what travels with it: its tokenizer files (copied verbatim when the
 * model is saved) and the manager that owns its parameters.
 */
public final class LoadedModel implements AutoCloseable {
    private final String name;
    private final Encoder model;
    private final MaskedLmHead mlmHead;
    private final NDManager manager;
    private final Map<String, byte[]> tokenizerFiles;
    private final String source;
    private TextTokenizer tokenizer;
    private Precision.Choice precision = new Precision.Choice(Precision.FP32, "default");

    public LoadedModel(String name, Encoder model, MaskedLmHead mlmHead, NDManager manager, Map<String, byte[]> tokenizerFiles,
            String source) {
        this.name = name;
        this.model = model;
        this.mlmHead = mlmHead;
        this.manager = manager;
        this.tokenizerFiles = tokenizerFiles;
        this.source = source;
    }

    public String name() {
        return name;
    }

    public Encoder model() {
        return model;
    }

    /** The masked-language-model head ({@code cls.predictions}) when the checkpoint has one, else null. */
    public MaskedLmHead mlmHead() {
        return mlmHead;
    }

    /** How the frozen base is stored: what {@link ModelLoader} was asked for, resolved (fp32 by default). */
    public Precision.Choice precision() {
        return precision;
    }

    void setPrecision(Precision.Choice precision) {
        this.precision = precision;
    }

    public NDManager manager() {
        return manager;
    }

    public Map<String, byte[]> tokenizerFiles() {
        return tokenizerFiles;
    }

    /** Writes the model, as it is now, as a Hugging Face directory with its tokenizer files. */
    public void writeHfDirectory(Path out) throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>(ModuleWeights.export(model, ""));
        if (mlmHead != null) {
            tensors.putAll(ModuleWeights.export(mlmHead, "cls."));
        }
        HfModelDirectory.write(out, model.config().toJson(), tensors, tokenizerFiles);
    }

    /**
     * The tokenizer with the model's default maximum length: the truncation length written in
     * tokenizer.json when it has one (128 for all-MiniLM-L6-v2, as its reference runtimes use),
     * else what the position table allows.
     */
    public synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = tokenizer(defaultMaxLength());
        }
        return tokenizer;
    }

    /** A new tokenizer truncating at {@code maxLength} tokens (capped by the position table); the caller closes it. */
    public TextTokenizer tokenizer(int maxLength) {
        var c = model.config();
        int max = Math.min(maxLength, positionLimit());
        return new TextTokenizer(tokenizerFiles.get("tokenizer.json"), source + "/tokenizer.json", max, c.padTokenId);
    }

    /** The most tokens the position table holds. */
    public int positionLimit() {
        var c = model.config();
        return c.maxPositions - c.positionOffset();
    }

    public int defaultMaxLength() {
        int fromFile = TextTokenizer.truncationLength(tokenizerFiles.get("tokenizer.json"));
        return fromFile > 0 ? Math.min(fromFile, positionLimit()) : positionLimit();
    }

    @Override
    public synchronized void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
