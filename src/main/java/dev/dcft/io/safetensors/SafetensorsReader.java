package dev.dcft.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.FloatCodec;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a .safetensors file: 8-byte little-endian header length, a JSON header of
 * {@code name -> {dtype, shape, data_offsets}} (plus optional {@code __metadata__}), then the data.
 * Floating tensors (F32, F16, BF16, F64) are decoded to fp32; integer tensors (buffers such as
 * position_ids) are skipped since no model parameter is an integer.
 */
public final class SafetensorsReader {
    /** A header past this size is refused before it is allocated. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.Set<String> FLOAT_TYPES = java.util.Set.of("F32", "F16", "BF16", "F64");

    private SafetensorsReader() {
    }

    public static Map<String, HostTensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelFormatException(file, "truncated safetensors file (" + size + " bytes, no header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelFormatException(file, "header length " + headerLen + " is not plausible (limit "
                        + MAX_HEADER_BYTES + " bytes): not a safetensors file, or corrupt");
            }
            if (8 + headerLen > size) {
                throw new ModelFormatException(file, "header length " + headerLen + " runs past the end of the file ("
                        + size + " bytes): truncated or corrupt");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ModelFormatException(file, "header is not valid JSON");
            }
            if (root == null || !root.isObject()) {
                throw new ModelFormatException(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                HostTensor t = decode(file, e.getKey(), e.getValue(), data, dataLen);
                if (t != null) {
                    out.put(e.getKey(), t);
                }
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage());
        }
    }

    private static HostTensor decode(Path file, String name, JsonNode info, ByteBuffer data, long dataLen) {
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null
                || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFormatException(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
        }
        String dtype = dtypeNode.asText();
        int width = switch (dtype) {
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F64", "I64", "U64" -> 8;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> throw new ModelFormatException(file, "tensor '" + name + "' has unknown dtype '" + dtype + "'");
        };
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new ModelFormatException(file, "tensor '" + name + "' has a negative dimension");
            }
            numel *= shape[i];
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw new ModelFormatException(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                    + "] outside the " + dataLen + " bytes of data: truncated or corrupt");
        }
        if (end - begin != numel * width) {
            throw new ModelFormatException(file, "tensor '" + name + "' has " + (end - begin) + " bytes for shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " (expected " + numel * width + ")");
        }
        if (dtype.startsWith("F8")) {
            throw new ModelFormatException(file, "tensor '" + name + "' is " + dtype + ", which is not supported");
        }
        if (!FLOAT_TYPES.contains(dtype)) {
            return null;
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor '" + name + "' is too large for one array");
        }
        float[] values = new float[(int) numel];
        int at = (int) begin;
        switch (dtype) {
            case "F32" -> data.slice(at, values.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            case "F16" -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = FloatCodec.fp16ToFloat(data.getShort(at + 2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = FloatCodec.bf16ToFloat(data.getShort(at + 2 * i));
                }
            }
            default -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) data.getDouble(at + 8 * i);
                }
            }
        }
        return new HostTensor(shape, values);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }
}
