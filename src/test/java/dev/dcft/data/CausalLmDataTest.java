package dev.dcft.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.data.causal.CausalExample;
import dev.dcft.data.causal.CausalLmData;
import dev.dcft.model.tokenizer.DecoderTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss masks of causal-LM rows: prompt tokens and user turns carry no loss; completions, assistant turns and EOS do. */
class CausalLmDataTest {
    static final Path CHAT = Path.of("src/test/resources/fixtures/decoders/chat");
    static final long EOS = 2;

    @TempDir
    Path tmp;

    static String trainedText(DecoderTokenizer tok, CausalExample e) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < e.length(); i++) {
            if (e.trained()[i]) {
                sb.append(tok.decode(new long[] {e.ids()[i]}, false));
            }
        }
        return sb.toString();
    }

    @Test
    void promptCompletionTrainsTheCompletionAndEosOnly() throws Exception {
        Path f = tmp.resolve("pc.jsonl");
        Files.writeString(f, "{\"prompt\": \"reverse 123 =\", \"completion\": \" 321\"}\n\n{\"prompt\": \"Hello\", \"completion\": \"!\"}\n");
        try (DecoderTokenizer tok = DecoderTokenizer.load(CHAT)) {
            CausalLmData.Loaded l = CausalLmData.read(f, tok, EOS, 256, false);
            assertEquals(2, l.examples().size());
            CausalExample e = l.examples().get(0);
            long[] prompt = tok.encode("reverse 123 =", true);
            for (int i = 0; i < prompt.length; i++) {
                assertEquals(prompt[i], e.ids()[i]);
                assertTrue(!e.trained()[i], "prompt token " + i + " carries no loss");
            }
            assertEquals(" 321<|im_end|>", trainedText(tok, e));
            assertEquals(EOS, e.ids()[e.length() - 1]);
        }
    }

    @Test
    void textTrainsEverythingAndMessagesTheAssistantTurns() throws Exception {
        Path f = tmp.resolve("t.jsonl");
        Files.writeString(f, "{\"text\": \"Hello world\"}\n");
        Path m = tmp.resolve("m.jsonl");
        Files.writeString(m, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}]}\n");
        try (DecoderTokenizer tok = DecoderTokenizer.load(CHAT)) {
            CausalExample t = CausalLmData.read(f, tok, EOS, 256, false).examples().get(0);
            boolean[] all = new boolean[t.length()];
            Arrays.fill(all, true);
            assertArrayEquals(all, t.trained());
            CausalExample c = CausalLmData.read(m, tok, EOS, 256, false).examples().get(0);
            assertEquals("Hello!<|im_end|>\n", trainedText(tok, c));
            assertTrue(tok.decode(c.ids(), false).startsWith("<|im_start|>system\nYou are Qwen"), "Qwen2.5's default system turn");
        }
    }

    @Test
    void badRowsAreOneLineWithFileAndLine() throws Exception {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": 3}\nnot json\n{\"text\": \"mixed\"}\n");
        try (DecoderTokenizer tok = DecoderTokenizer.load(CHAT)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> CausalLmData.read(f, tok, EOS, 256, false));
            assertTrue(e.getMessage().startsWith(f + ":2: 'prompt' must be a string") && !e.getMessage().contains("\n"), e.getMessage());
            CausalLmData.Loaded l = CausalLmData.read(f, tok, EOS, 256, true);
            assertEquals(1, l.examples().size());
            assertEquals(3, l.skipped());
            Files.writeString(f, "{\"messages\": []}\n");
            e = assertThrows(RuntimeException.class, () -> CausalLmData.read(f, tok, EOS, 256, false));
            assertTrue(e.getMessage().contains(":1: 'messages' must be a non-empty array"), e.getMessage());
        }
    }

    @Test
    void longRowsAreCutAndRowsLeftWithoutTargetsDropped() throws Exception {
        Path f = tmp.resolve("long.jsonl");
        Files.write(f, List.of("{\"prompt\": \"reverse 123 reverse 123 reverse 123\", \"completion\": \" 321\"}", "{\"prompt\": \"a\", \"completion\": \"bc\"}"));
        try (DecoderTokenizer tok = DecoderTokenizer.load(CHAT)) {
            CausalLmData.Loaded l = CausalLmData.read(f, tok, EOS, 4, false);
            assertEquals(1, l.examples().size(), "the first row has only prompt tokens within 4");
            assertEquals(1, l.skipped());
        }
    }
}
