package dev.dcft.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.cli.Main;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import dev.dcft.model.nn.Parameter;
import dev.dcft.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export the embedded model as a Hugging Face directory, check the file against the spec, reload. */
class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void exportThenReloadGivesIdenticalOutputs() throws Exception {
        Path out = tmp.resolve("minilm-hf");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"export", "--model", "minilm-l6", "--out", out.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        assertTrue(Files.exists(out.resolve("config.json")));
        assertTrue(Files.exists(out.resolve("tokenizer.json")));

        LoadedModel original = TestModels.minilm();
        List<String> texts = List.of("round trip through safetensors", "a second, longer sentence for the padded batch");
        try (LoadedModel reloaded = ModelLoader.load(out.toString())) {
            float[] a = lastHidden(original, texts);
            float[] b = lastHidden(reloaded, texts);
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            System.out.printf("export/reload max abs difference: %.3g%n", worst);
            assertTrue(worst <= 1e-6, "max abs difference " + worst);
        }
        checkSpec(out.resolve("model.safetensors"), original.model().namedParameters());
    }

    private static float[] lastHidden(LoadedModel m, List<String> texts) {
        Encoder bert = m.model();
        bert.setTraining(false);
        TokenBatch batch = m.tokenizer().encode(texts);
        try (NDManager step = m.manager().newSubManager()) {
            return bert.forward(EncoderInput.of(step, batch, bert.config())).toFloatArray();
        }
    }

    /** Reads the file by the spec alone: u64 LE header size, JSON header, contiguous data. */
    private static void checkSpec(Path file, Map<String, Parameter> params) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(n > 0 && 8 + n <= bytes.length);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        long dataLen = bytes.length - 8 - n;
        long covered = 0;
        int tensors = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            tensors++;
            JsonNode t = e.getValue();
            assertEquals("F32", t.get("dtype").asText());
            long numel = 1;
            for (JsonNode d : t.get("shape")) {
                numel *= d.asLong();
            }
            long begin = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            assertEquals(numel * 4, end - begin, e.getKey());
            covered += end - begin;
            Parameter p = params.get(e.getKey());
            assertTrue(p != null, "unexpected tensor " + e.getKey());
            assertArrayEquals(p.value().getShape().getShape(),
                    new ObjectMapper().convertValue(t.get("shape"), long[].class), e.getKey());
            if (e.getKey().equals("encoder.layer.0.attention.self.query.weight")) {
                float[] expected = p.value().toFloatArray();
                ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n + begin), (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < 10; i++) {
                    assertEquals(expected[i], data.getFloat(), 0f);
                }
            }
        }
        assertEquals(params.size(), tensors);
        assertEquals(dataLen, covered, "data section is exactly the tensors' bytes");
    }
}
