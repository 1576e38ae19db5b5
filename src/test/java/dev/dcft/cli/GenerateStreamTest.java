package dev.dcft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcft.model.decoder.Decoder;
import dev.dcft.testing.TinyDecoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * What {@code dcft generate} streams on a terminal, token by token, is the text the whole generation decodes to: across
 * line breaks (where the streamer starts decoding afresh) and a character whose bytes arrive in separate tokens.
 */
class GenerateStreamTest {
    @Test
    void streamedTextEqualsTheWholeDecode() {
        try (Decoder d = Decoder.load(TinyDecoder.CHAT)) {
            String text = "first line\nsecond: café, naïve\n\nthird ✓ done";
            long[] ids = d.tokenizer().encode(text, false);
            StringWriter sink = new StringWriter();
            GenerateCommand.LineStreamer s = new GenerateCommand.LineStreamer(d, new PrintWriter(sink));
            for (long id : ids) {
                s.add(id);
            }
            s.finish();
            assertEquals(d.tokenizer().decode(ids, true) + System.lineSeparator(), sink.toString());
            assertEquals(text + System.lineSeparator(), sink.toString());
        }
    }
}
