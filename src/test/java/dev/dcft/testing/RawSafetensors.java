package dev.dcft.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes safetensors bytes by hand, independently of the product's writer, so tests can make
 * half-precision files and every kind of corrupt one.
 */
public final class RawSafetensors {
    public record Entry(String dtype, long[] shape, byte[] data) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, long[]> offsetOverrides = new LinkedHashMap<>();

    public RawSafetensors put(String name, String dtype, long[] shape, byte[] data) {
        entries.put(name, new Entry(dtype, shape, data));
        return this;
    }

    public RawSafetensors putF32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return put(name, "F32", shape, b.array());
    }

    public RawSafetensors overrideOffsets(String name, long begin, long end) {
        offsetOverrides.put(name, new long[] {begin, end});
        return this;
    }

    public String headerJson() {
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            long[] off = offsetOverrides.getOrDefault(e.getKey(), new long[] {offset, offset + e.getValue().data().length});
            offset += e.getValue().data().length;
            sb.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue().dtype())
                    .append("\",\"shape\":[");
            long[] s = e.getValue().shape();
            for (int i = 0; i < s.length; i++) {
                sb.append(i == 0 ? "" : ",").append(s[i]);
            }
            sb.append("],\"data_offsets\":[").append(off[0]).append(',').append(off[1]).append("]}");
        }
        return sb.append('}').toString();
    }

    public byte[] bytes(Long headerLengthOverride) throws IOException {
        byte[] header = headerJson().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long len = headerLengthOverride == null ? header.length : headerLengthOverride;
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(len).array());
        out.write(header);
        for (Entry e : entries.values()) {
            out.write(e.data());
        }
        return out.toByteArray();
    }

    public void write(Path file) throws IOException {
        Files.write(file, bytes(null));
    }
}
