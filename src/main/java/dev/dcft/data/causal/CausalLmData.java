package dev.dcft.data.causal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.data.BadRowException;
import dev.dcft.model.tokenizer.ChatTemplate;
import dev.dcft.model.tokenizer.DecoderTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A causal-LM training file: JSONL, one object per line, each in one of three shapes (the ones TRL's SFTTrainer takes):
 * <ul>
 * <li>{@code {"text": ...}}: language modelling, every token after the first carries loss, EOS appended;</li>
 * <li>{@code {"prompt": ..., "completion": ...}}: loss on the completion (and the EOS after it) only;</li>
 * <li>{@code {"messages": [{"role", "content"}, ...]}}: the model's chat template; loss on the assistant turns only.</li>
 * </ul>
 * Sequences longer than {@code maxLen} are cut at {@code maxLen}; one left with no target is dropped (and counted).
 */
public final class CausalLmData {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The examples of a file, and how many rows were skipped (malformed with --skip-bad-rows, or nothing to learn). */
    public record Loaded(List<CausalExample> examples, int skipped, int truncated, String shape) {
    }

    private CausalLmData() {
    }

    public static Loaded read(Path file, DecoderTokenizer tok, Long eosId, int maxLen, boolean skipBad) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": file not found");
        }
        List<CausalExample> out = new ArrayList<>();
        int skipped = 0;
        int truncated = 0;
        String shape = null;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                CausalExample e;
                String rowShape;
                try {
                    JsonNode row = parse(file, n, line);
                    rowShape = shape(file, n, row);
                    if (shape != null && !shape.equals(rowShape)) {
                        throw new BadRowException(file, n, "a '" + rowShape + "' row in a file of '" + shape + "' rows");
                    }
                    e = encode(file, n, row, rowShape, tok, eosId);
                } catch (BadRowException bad) {
                    if (!skipBad) {
                        throw bad;
                    }
                    skipped++;
                    continue;
                }
                shape = rowShape;
                if (e.length() > maxLen) {
                    e = new CausalExample(Arrays.copyOf(e.ids(), maxLen), Arrays.copyOf(e.trained(), maxLen));
                    truncated++;
                }
                if (e.targets() == 0) {
                    skipped++;
                    continue;
                }
                out.add(e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no usable rows (JSONL objects with 'text', 'prompt' and 'completion', or 'messages')");
        }
        return new Loaded(out, skipped, truncated, shape);
    }

    private static JsonNode parse(Path file, int line, String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (!node.isObject()) {
                throw new BadRowException(file, line, "expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadRowException(file, line, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String shape(Path file, int line, JsonNode row) {
        if (row.has("messages")) {
            return "messages";
        }
        if (row.has("prompt") || row.has("completion")) {
            return "prompt/completion";
        }
        if (row.has("text")) {
            return "text";
        }
        throw new BadRowException(file, line, "no 'text', 'prompt'/'completion' or 'messages' field");
    }

    private static String string(Path file, int line, JsonNode row, String field) {
        JsonNode v = row.get(field);
        if (v == null || !v.isTextual()) {
            throw new BadRowException(file, line, "'" + field + "' must be a string");
        }
        return v.asText();
    }

    private static CausalExample encode(Path file, int line, JsonNode row, String shape, DecoderTokenizer tok, Long eos) {
        switch (shape) {
            case "text" -> {
                long[] ids = withEos(tok.encode(string(file, line, row, "text"), true), eos);
                boolean[] trained = new boolean[ids.length];
                Arrays.fill(trained, true);
                return new CausalExample(ids, trained);
            }
            case "prompt/completion" -> {
                long[] p = tok.encode(string(file, line, row, "prompt"), true);
                long[] c = withEos(tok.encode(string(file, line, row, "completion"), false), eos);
                long[] ids = Arrays.copyOf(p, p.length + c.length);
                System.arraycopy(c, 0, ids, p.length, c.length);
                boolean[] trained = new boolean[ids.length];
                Arrays.fill(trained, p.length, ids.length, true);
                return new CausalExample(ids, trained);
            }
            default -> {
                JsonNode ms = row.get("messages");
                if (!ms.isArray() || ms.isEmpty()) {
                    throw new BadRowException(file, line, "'messages' must be a non-empty array of {\"role\", \"content\"}");
                }
                List<ChatTemplate.Message> messages = new ArrayList<>();
                for (JsonNode m : ms) {
                    if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                        throw new BadRowException(file, line, "each message needs string 'role' and 'content'");
                    }
                    messages.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()));
                }
                try {
                    DecoderTokenizer.TokenizedChat c = tok.encodeChat(messages);
                    return new CausalExample(c.ids(), c.trained());
                } catch (ChatTemplate.TemplateException e) {
                    throw new BadRowException(file, line, e.getMessage());
                }
            }
        }
    }

    private static long[] withEos(long[] ids, Long eos) {
        if (eos == null || (ids.length > 0 && ids[ids.length - 1] == eos)) {
            return ids;
        }
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }
}
