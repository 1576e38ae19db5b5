package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import dev.dcft.model.bert.BertModel;
import java.util.Map;

/**
 * A pretrained encoder with what travels with it: its tokenizer files (copied verbatim when the
 * model is saved) and the manager that owns its parameters.
 */
public final class LoadedModel implements AutoCloseable {
    private final String name;
    private final BertModel model;
    private final NDManager manager;
    private final Map<String, byte[]> tokenizerFiles;
    private final String source;
    private TextTokenizer tokenizer;

    public LoadedModel(String name, BertModel model, NDManager manager, Map<String, byte[]> tokenizerFiles, String source) {
        this.name = name;
        this.model = model;
        this.manager = manager;
        this.tokenizerFiles = tokenizerFiles;
        this.source = source;
    }

    public String name() {
        return name;
    }

    public BertModel model() {
        return model;
    }

    public NDManager manager() {
        return manager;
    }

    public Map<String, byte[]> tokenizerFiles() {
        return tokenizerFiles;
    }

    /** The tokenizer, truncating to what the position table allows (at most 512). */
    public synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            var c = model.config();
            int max = Math.min(512, c.maxPositions - c.positionOffset());
            tokenizer = new TextTokenizer(tokenizerFiles.get("tokenizer.json"), source + "/tokenizer.json", max, c.padTokenId);
        }
        return tokenizer;
    }

    @Override
    public synchronized void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
