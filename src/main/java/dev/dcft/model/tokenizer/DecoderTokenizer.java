package dev.dcft.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.ConfigFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A decoder's tokenizer as a Hugging Face model directory holds it: tokenizer.json (byte-level BPE or
 * SentencePiece-BPE, run by the Hugging Face tokenizers library itself, its post-processor adding a BOS where the
 * model wants one), tokenizer_config.json's special tokens, and the chat template (tokenizer_config.json's
 * {@code chat_template}, a string or a list of named templates, or transformers 5's chat_template.jinja).
 */
public final class DecoderTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final String bos;
    private final String eos;
    private final String pad;
    private final ChatTemplate chat;

    private DecoderTokenizer(HuggingFaceTokenizer tokenizer, String bos, String eos, String pad, ChatTemplate chat) {
        this.tokenizer = tokenizer;
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
        this.chat = chat;
    }

    /** The tokenizer of a model directory; no tokenizer.json is one line naming the directory. */
    public static DecoderTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new ModelFormatException(dir, "no tokenizer.json (a decoder directory needs its Hugging Face fast tokenizer)");
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(json, Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(json, "cannot load tokenizer: " + firstLine(e.getMessage()));
        }
        JsonNode config = Files.isRegularFile(dir.resolve("tokenizer_config.json")) ? ConfigFiles.readObject(dir.resolve("tokenizer_config.json"))
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        ChatTemplate chat = null;
        String template = template(config.path("chat_template"));
        Path jinja = dir.resolve("chat_template.jinja");
        try {
            if (template == null && Files.isRegularFile(jinja)) {
                template = Files.readString(jinja);
                chat = new ChatTemplate(template, jinja.toString());
            } else if (template != null) {
                chat = new ChatTemplate(template, dir.resolve("tokenizer_config.json") + " chat_template");
            }
        } catch (IOException e) {
            tok.close();
            throw new ModelFormatException(jinja, "cannot read: " + e.getMessage());
        }
        return new DecoderTokenizer(tok, token(config.get("bos_token")), token(config.get("eos_token")), token(config.get("pad_token")), chat);
    }

    /** The template named "default" when tokenizer_config.json lists several ({@code [{name, template}]}). */
    private static String template(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode t : node) {
                if ("default".equals(t.path("name").asText())) {
                    return t.path("template").asText(null);
                }
            }
        }
        return null;
    }

    /** A special token written as a string or as an AddedToken object ({@code {"content": ...}}). */
    private static String token(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asText(null) : node.asText(null);
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Token ids of {@code text}; {@code special}: with what the post-processor adds (a BOS for Llama 3). */
    public long[] encode(String text, boolean special) {
        Encoding e = tokenizer.encode(text, special, false);
        return e.getIds();
    }

    public String decode(long[] ids, boolean skipSpecial) {
        return tokenizer.decode(ids, skipSpecial);
    }

    /** The id of a token string, or null when the vocabulary lacks it. */
    public Long id(String token) {
        if (token == null) {
            return null;
        }
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? ids[0] : null;
    }

    public String bosToken() {
        return bos;
    }

    public String eosToken() {
        return eos;
    }

    public String padToken() {
        return pad;
    }

    public ChatTemplate chatTemplate() {
        return chat;
    }

    /** The chat template, or one line saying the model has none. */
    public ChatTemplate requireChatTemplate(String what) {
        if (chat == null) {
            throw new IllegalArgumentException(what + " needs a chat template, and this model's tokenizer_config.json has no chat_template"
                    + " (nor chat_template.jinja): a base model rather than an instruct one?");
        }
        return chat;
    }

    /**
     * A conversation's tokens and which of them the model is trained to produce: the assistant turns (their text and
     * whatever the template closes them with, e.g. {@code <|im_end|>}), found by rendering the conversation up to each
     * assistant turn with and without it (the part a generation prompt does not already give).
     */
    public TokenizedChat encodeChat(List<ChatTemplate.Message> messages) {
        ChatTemplate t = requireChatTemplate("a 'messages' row");
        List<Long> ids = new ArrayList<>();
        List<Boolean> trained = new ArrayList<>();
        String done = "";
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String prompt = t.render(messages.subList(0, i), true, bos, eos);
            String withReply = t.render(messages.subList(0, i + 1), false, bos, eos);
            requirePrefix(t, done, prompt);
            requirePrefix(t, prompt, withReply);
            append(ids, trained, prompt.substring(done.length()), false);
            append(ids, trained, withReply.substring(prompt.length()), true);
            done = withReply;
        }
        String all = t.render(messages, false, bos, eos);
        requirePrefix(t, done, all);
        append(ids, trained, all.substring(done.length()), false);
        long[] out = new long[ids.size()];
        boolean[] mask = new boolean[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i);
            mask[i] = trained.get(i);
        }
        return new TokenizedChat(out, mask);
    }

    private static void requirePrefix(ChatTemplate t, String prefix, String text) {
        if (!text.startsWith(prefix)) {
            throw new IllegalArgumentException(t.source() + ": the chat template does not render a conversation as a prefix of its"
                    + " continuation, so the assistant turns cannot be found");
        }
    }

    /** A conversation's ids and, per id, whether it is an assistant token (trained). */
    public record TokenizedChat(long[] ids, boolean[] trained) {
    }

    private void append(List<Long> ids, List<Boolean> trained, String text, boolean train) {
        if (text.isEmpty()) {
            return;
        }
        for (long id : encode(text, false)) {
            ids.add(id);
            trained.add(train);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
