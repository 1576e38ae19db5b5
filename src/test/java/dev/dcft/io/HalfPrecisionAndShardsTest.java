package dev.dcft.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.testing.RawSafetensors;
import dev.dcft.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HalfPrecisionAndShardsTest {
    @TempDir
    Path tmp;

    /** IEEE binary16 bit patterns and the values the standard gives them. */
    @Test
    void fp16DecodesKnownPatterns() {
        short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x0400, 0x3555, 0x0000, (short) 0x8000, 0x7C00, (short) 0xFC00};
        float[] want = {1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, 0.333251953125f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < bits.length; i++) {
            assertEquals(want[i], FloatCodec.fp16ToFloat(bits[i]), 0f, "pattern " + Integer.toHexString(bits[i] & 0xffff));
        }
        assertEquals(Float.NaN, FloatCodec.fp16ToFloat((short) 0x7E00), 0f);
    }

    @Test
    void bf16IsTheUpperHalfOfFp32() {
        assertEquals(1f, FloatCodec.bf16ToFloat((short) 0x3F80), 0f);
        assertEquals(-2.5f, FloatCodec.bf16ToFloat((short) 0xC020), 0f);
        assertEquals(3.140625f, FloatCodec.bf16ToFloat((short) 0x4049), 0f);
    }

    @Test
    void readsF16AndBf16Tensors() throws Exception {
        Path f = tmp.resolve("half.safetensors");
        new RawSafetensors()
                .put("a", "F16", new long[] {2, 2}, new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7B, 0x55, 0x35})
                .put("b", "BF16", new long[] {3}, new byte[] {(byte) 0x80, 0x3F, 0x20, (byte) 0xC0, 0x49, 0x40})
                .put("ids", "I64", new long[] {1}, new byte[8])
                .write(f);
        Map<String, HostTensor> t = SafetensorsReader.read(f);
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0.333251953125f}, t.get("a").data());
        assertArrayEquals(new long[] {2, 2}, t.get("a").shape());
        assertArrayEquals(new float[] {1f, -2.5f, 3.140625f}, t.get("b").data());
        assertEquals(false, t.containsKey("ids"), "integer buffers are not parameters");
    }

    /** A bf16 checkpoint loads as fp32 equal to the bf16 values; a sharded one equals the single file. */
    @Test
    void loadsBf16AndShardedCheckpoints() throws Exception {
        Path base = tmp.resolve("tiny");
        TestModels.writeTinyHfDirectory(base, true, 7);
        Map<String, HostTensor> f32 = SafetensorsReader.read(base.resolve("model.safetensors"));

        Path bf = tmp.resolve("tiny-bf16");
        Files.createDirectories(bf);
        Files.copy(base.resolve("config.json"), bf.resolve("config.json"));
        Files.copy(base.resolve("tokenizer.json"), bf.resolve("tokenizer.json"));
        RawSafetensors raw = new RawSafetensors();
        Map<String, float[]> expected = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : f32.entrySet()) {
            float[] v = e.getValue().data();
            byte[] bytes = new byte[v.length * 2];
            float[] want = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                int upper = Float.floatToIntBits(v[i]) >>> 16; // truncation: a valid bf16 value
                bytes[2 * i] = (byte) upper;
                bytes[2 * i + 1] = (byte) (upper >>> 8);
                want[i] = Float.intBitsToFloat(upper << 16);
            }
            raw.put("bert." + e.getKey(), "BF16", e.getValue().shape(), bytes);
            expected.put(e.getKey(), want);
        }
        raw.write(bf.resolve("model.safetensors"));
        try (LoadedModel m = ModelLoader.load(bf.toString())) {
            m.model().namedParameters().forEach((name, p) -> assertArrayEquals(expected.get(name), p.value().toFloatArray(), name));
        }

        Path sharded = tmp.resolve("tiny-sharded");
        Files.createDirectories(sharded);
        Files.copy(base.resolve("config.json"), sharded.resolve("config.json"));
        Files.copy(base.resolve("tokenizer.json"), sharded.resolve("tokenizer.json"));
        RawSafetensors s1 = new RawSafetensors();
        RawSafetensors s2 = new RawSafetensors();
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        int i = 0;
        for (Map.Entry<String, HostTensor> e : f32.entrySet()) {
            String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i % 2 == 0 ? s1 : s2).putF32(e.getKey(), e.getValue().shape(), e.getValue().data());
            index.append(i == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(shard).append('"');
            i++;
        }
        s1.write(sharded.resolve("model-00001-of-00002.safetensors"));
        s2.write(sharded.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), index.append("}}").toString());
        try (LoadedModel m = ModelLoader.load(sharded.toString())) {
            m.model().namedParameters().forEach((name, p) -> assertArrayEquals(f32.get(name).data(), p.value().toFloatArray(), name));
            assertEquals(List.of("tokenizer.json"), List.copyOf(m.tokenizerFiles().keySet()));
        }
    }
}
