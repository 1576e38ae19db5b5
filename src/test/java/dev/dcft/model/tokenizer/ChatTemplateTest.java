package dev.dcft.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat templates and the decoder tokenizer against Hugging Face's own renderings and token ids
 * (scripts/fixtures/make_chat_fixtures.py: apply_chat_template(tokenize=False) of the Llama 3, Qwen2.5 and SmolLM2
 * templates; tokenizer(text).input_ids of a byte-level BPE with ChatML's special tokens).
 */
class ChatTemplateTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/decoders");

    static JsonNode expected() throws Exception {
        return new ObjectMapper().readTree(DIR.resolve("chat-expected.json").toFile());
    }

    static List<ChatTemplate.Message> conversation(JsonNode c) {
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (JsonNode m : c) {
            out.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }

    @Test
    void rendersAsHuggingFaceDoesForLlama3Qwen2AndSmolLm2() throws Exception {
        JsonNode e = expected();
        int n = 0;
        for (JsonNode r : e.get("rendered")) {
            String name = r.get("template").asText();
            ChatTemplate t = new ChatTemplate(Files.readString(DIR.resolve("templates/" + name + ".jinja")), name);
            String got = t.render(conversation(e.get("conversations").get(r.get("conversation").asInt())),
                    r.get("add_generation_prompt").asBoolean(), "<|begin_of_text|>", "<|im_end|>");
            assertEquals(r.get("text").asText(), got, name + " conversation " + r.get("conversation") + " generation prompt "
                    + r.get("add_generation_prompt"));
            n++;
        }
        assertEquals(15, n);
    }

    @Test
    void tokenizesAsHuggingFaceDoes() throws Exception {
        try (DecoderTokenizer tok = DecoderTokenizer.load(DIR.resolve("chat"))) {
            for (JsonNode t : expected().get("tokenized")) {
                long[] want = new ObjectMapper().convertValue(t.get("ids"), long[].class);
                assertArrayEquals(want, tok.encode(t.get("text").asText(), true), t.get("text").asText());
                assertEquals(t.get("text").asText(), tok.decode(want, false));
            }
            assertEquals("<|im_end|>", tok.eosToken());
            assertEquals("<|endoftext|>", tok.padToken());
            assertTrue(tok.chatTemplate() != null, "transformers 5 writes the template to chat_template.jinja");
        }
    }

    @Test
    void assistantTurnsAreTheTrainedTokens() throws Exception {
        try (DecoderTokenizer tok = DecoderTokenizer.load(DIR.resolve("chat"))) {
            List<ChatTemplate.Message> conv = conversation(expected().get("conversations").get(2));
            DecoderTokenizer.TokenizedChat c = tok.encodeChat(conv);
            StringBuilder trained = new StringBuilder();
            List<Long> run = new ArrayList<>();
            for (int i = 0; i <= c.ids().length; i++) {
                if (i < c.ids().length && c.trained()[i]) {
                    run.add(c.ids()[i]);
                } else if (!run.isEmpty()) {
                    trained.append(tok.decode(run.stream().mapToLong(Long::longValue).toArray(), false)).append('|');
                    run.clear();
                }
            }
            // The assistant's text and the template's end of turn; never the user's turns or the role headers.
            assertEquals("Hello! How are you?<|im_end|>\n|Fine.<|im_end|>\n|", trained.toString());
            String whole = tok.decode(c.ids(), false);
            assertEquals(tok.chatTemplate().render(conv, false, null, "<|im_end|>"), whole);
        }
    }

    @Test
    void raiseExceptionIsOneLine() {
        ChatTemplate t = new ChatTemplate("{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation roles must start with user') }}"
                + "{% endif %}{{ messages[0]['content'] }}", "test");
        assertEquals("hi", t.render(List.of(new ChatTemplate.Message("user", "hi")), false, null, null));
        ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                () -> t.render(List.of(new ChatTemplate.Message("assistant", "hi")), false, null, null));
        assertTrue(e.getMessage().contains("Conversation roles must start with user") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutTokenizerJsonIsNamed(@TempDir Path dir) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> DecoderTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
