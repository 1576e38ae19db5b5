package dev.dcft.model.decoder;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.model.nn.FrozenBf16;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.ConfigFiles;
import dev.dcft.model.llama.LlamaModel;
import dev.dcft.model.tokenizer.DecoderTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A decoder directory ready to generate or score text: the model (Llama, Mistral, Qwen2), its tokenizer and chat
 * template, and the ids that end a generation (generation_config.json's {@code eos_token_id}, else config.json's,
 * else the tokenizer's EOS token), optionally with a PEFT adapter on it (unmerged).
 */
public final class Decoder implements AutoCloseable {
    private final NDManager manager;
    private final LlamaModel model;
    private final DecoderTokenizer tokenizer;
    private final long[] stopIds;

    private Decoder(NDManager manager, LlamaModel model, DecoderTokenizer tokenizer, long[] stopIds) {
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopIds = stopIds;
    }

    /** A model directory; bad or missing files are one line naming them. */
    public static Decoder load(Path dir) {
        return load(dir, (PeftAdapterFiles.LoadedAdapter) null);
    }

    /** As {@link #load(Path)}, with the PEFT adapter in {@code adapter} applied unmerged (null: none). */
    public static Decoder load(Path dir, Path adapter) {
        return load(dir, adapter == null ? null : PeftAdapterFiles.load(adapter));
    }

    /** As {@link #load(Path)}, with an adapter already read ({@code null}: none). */
    public static Decoder load(Path dir, PeftAdapterFiles.LoadedAdapter loaded) {
        return load(dir, loaded, Precision.FP32);
    }

    /**
     * As {@link #load(Path, PeftAdapterFiles.LoadedAdapter)}, the frozen base stored as {@code precision} resolves: in
     * bf16 every projection, the embeddings and a separate lm_head are bfloat16 and multiply in bfloat16 (as
     * {@link FrozenBf16} stores an encoder); norms, rotary tables, attention, the adapter and the loss stay float32.
     */
    public static Decoder load(Path dir, PeftAdapterFiles.LoadedAdapter loaded, Precision precision) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory not found: " + dir);
        }
        JsonNode config = ConfigFiles.readObject(dir.resolve("config.json"));
        DecoderTokenizer tok = DecoderTokenizer.load(dir);
        NDManager m = Engines.newManager();
        try {
            LlamaModel model = LlamaModel.load(m, dir);
            if (precision.resolve().bf16()) {
                FrozenBf16.cast(model);
            }
            if (loaded != null) {
                PeftAdapterFiles.attach(model, loaded, m);
            }
            return new Decoder(m, model, tok, stopIds(dir, config, tok));
        } catch (RuntimeException e) {
            m.close();
            tok.close();
            throw e;
        }
    }

    private static long[] stopIds(Path dir, JsonNode config, DecoderTokenizer tok) {
        Set<Long> ids = new LinkedHashSet<>();
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            add(ids, ConfigFiles.readObject(gen).get("eos_token_id"));
        }
        if (ids.isEmpty()) {
            add(ids, config.get("eos_token_id"));
        }
        if (ids.isEmpty() && tok.id(tok.eosToken()) != null) {
            ids.add(tok.id(tok.eosToken()));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static void add(Set<Long> ids, JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            node.forEach(n -> ids.add(n.asLong()));
        } else if (node.canConvertToLong()) {
            ids.add(node.asLong());
        }
    }

    public LlamaModel model() {
        return model;
    }

    public DecoderTokenizer tokenizer() {
        return tokenizer;
    }

    public NDManager manager() {
        return manager;
    }

    /** The ids that end a generation. */
    public long[] stopIds() {
        return stopIds.clone();
    }

    /** The longest sequence the model takes (config.json's max_position_embeddings). */
    public int contextLength() {
        return model.config().maxPositions();
    }

    /** Prompt text to ids as Hugging Face's tokenizer(text) gives them (special tokens the tokenizer adds included). */
    public long[] encodePrompt(String prompt) {
        return tokenizer.encode(prompt, true);
    }

    /** A user message rendered by the chat template with the generation prompt, then tokenized (no extra specials). */
    public long[] encodeChat(String userMessage) {
        String text = tokenizer.requireChatTemplate("--chat").render(List.of(new dev.dcft.model.tokenizer.ChatTemplate.Message("user",
                userMessage)), true, tokenizer.bosToken(), tokenizer.eosToken());
        return tokenizer.encode(text, false);
    }

    @Override
    public void close() {
        manager.close();
        tokenizer.close();
    }
}
