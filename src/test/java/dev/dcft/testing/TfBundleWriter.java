package dev.dcft.testing;

import dev.dcft.io.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A TensorFlow tensor-bundle writer written from the format's description (LevelDB table of
 * BundleEntryProto + one data shard), independent of the product's reader: fp32 variables only,
 * one data block with a restart at every entry, no compression.
 */
public final class TfBundleWriter {
    private TfBundleWriter() {
    }

    /** Writes {@code prefix.index} and {@code prefix.data-00000-of-00001}. */
    public static void write(Path prefix, Map<String, HostTensor> variables) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        TreeMap<String, byte[]> entries = new TreeMap<>();
        entries.put("", concat(field(1, varint(1)), lengthDelimited(3, field(1, varint(1)))));
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(variables).entrySet()) {
            HostTensor t = e.getValue();
            ByteBuffer b = ByteBuffer.allocate(t.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : t.data()) {
                b.putFloat(f);
            }
            byte[] bytes = b.array();
            long offset = data.size();
            data.write(bytes);
            ByteArrayOutputStream shape = new ByteArrayOutputStream();
            for (long d : t.shape()) {
                shape.write(lengthDelimited(2, field(1, varint(d))));
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            int c = (int) crc.getValue();
            int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
            byte[] crcField = concat(new byte[] {(byte) ((6 << 3) | 5)},
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(masked).array());
            entries.put(e.getKey(), concat(field(1, varint(1)), lengthDelimited(2, shape.toByteArray()),
                    field(4, varint(offset)), field(5, varint(bytes.length)), crcField));
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        byte[] dataBlock = block(entries);
        file.write(dataBlock);
        file.write(new byte[5]);
        TreeMap<String, byte[]> index = new TreeMap<>();
        index.put(entries.lastKey(), concat(varint(0), varint(dataBlock.length)));
        long metaOffset = file.size();
        byte[] meta = block(new TreeMap<>());
        file.write(meta);
        file.write(new byte[5]);
        long indexOffset = file.size();
        byte[] indexBlock = block(index);
        file.write(indexBlock);
        file.write(new byte[5]);
        byte[] handles = concat(varint(metaOffset), varint(meta.length), varint(indexOffset), varint(indexBlock.length));
        file.write(handles);
        file.write(new byte[40 - handles.length]);
        file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L).array());
        Files.write(Path.of(prefix + ".index"), file.toByteArray());
        Files.write(Path.of(prefix + ".data-00000-of-00001"), data.toByteArray());
    }

    private static byte[] block(TreeMap<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteArrayOutputStream restarts = new ByteArrayOutputStream();
        int n = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            restarts.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.size()).array());
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.write(varint(0));
            b.write(varint(key.length));
            b.write(varint(e.getValue().length));
            b.write(key);
            b.write(e.getValue());
            n++;
        }
        if (n == 0) {
            restarts.write(new byte[4]);
            n = 1;
        }
        b.write(restarts.toByteArray());
        b.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(n).array());
        return b.toByteArray();
    }

    private static byte[] field(int number, byte[] varint) {
        return concat(varint((long) number << 3), varint);
    }

    private static byte[] lengthDelimited(int number, byte[] payload) {
        return concat(varint(((long) number << 3) | 2), varint(payload.length), payload);
    }

    private static byte[] varint(long v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
        return o.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
