package dev.dcft.io.tf;

import dev.dcft.io.FloatCodec;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.proto.ProtoReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * TensorFlow's tensor bundle (a SavedModel's {@code variables/}, or a {@code *.ckpt.index} with its
 * {@code *.ckpt.data-NNNNN-of-NNNNN} shards). The index is a LevelDB-format table whose values are
 * {@code BundleEntryProto}s: dtype, shape, shard, offset, size and a masked CRC32C of the bytes.
 * Every entry is checked (offsets and sizes inside the shard, size equal to the shape's, checksum)
 * before it is read. Floating-point variables are returned as fp32; others (step counters) are skipped.
 */
public final class TfBundleReader {
    private static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    private static final int DT_FLOAT = 1;
    private static final int DT_DOUBLE = 2;
    private static final int DT_BFLOAT16 = 14;
    private static final int DT_HALF = 19;

    /** The data shards, by shard number. */
    public interface Shards {
        int count();

        long length(int shard);

        /** {@code size} bytes of shard {@code shard} from {@code offset}, little-endian. */
        ByteBuffer slice(int shard, long offset, int size);
    }

    private TfBundleReader() {
    }

    /** A parsed index: how many data shards its header declares, and its entries in key order. */
    public record Index(int shardCount, Map<String, Entry> entries) {
    }

    /** Parses the index table once: the header (empty key) and every entry. */
    public static Index readIndex(byte[] index, String source) {
        Map<String, byte[]> table = readTable(index, source);
        byte[] header = table.get("");
        if (header == null) {
            throw new ModelFormatException(source, "no bundle header in the index (not a TensorFlow checkpoint index?)");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : table.entrySet()) {
            if (!e.getKey().isEmpty()) {
                entries.put(e.getKey(), Entry.parse(e.getValue(), source, e.getKey()));
            }
        }
        return new Index(shardCount(header, source), entries);
    }

    private static int shardCount(byte[] header, String source) {
        ProtoReader r = new ProtoReader(ByteBuffer.wrap(header), 0, header.length);
        int shards = 1;
        try {
            while (r.hasMore()) {
                int tag = r.readTag();
                if (tag >>> 3 == 1 && (tag & 7) == ProtoReader.VARINT) {
                    shards = (int) r.readVarint();
                } else {
                    r.skip(tag & 7);
                }
            }
        } catch (ProtoReader.ProtoException e) {
            throw new ModelFormatException(source, "corrupt bundle header: " + e.getMessage());
        }
        return shards;
    }

    /** Reads every floating-point variable as fp32, checking each entry against its shard. */
    public static Map<String, HostTensor> read(Index index, Shards shards, String source) {
        if (index.shardCount() != shards.count()) {
            throw new ModelFormatException(source, "the index declares " + index.shardCount() + " data shard(s), " + shards.count() + " found");
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : index.entries().entrySet()) {
            Entry en = e.getValue();
            int width = switch (en.dtype) {
                case DT_FLOAT -> 4;
                case DT_DOUBLE -> 8;
                case DT_BFLOAT16, DT_HALF -> 2;
                default -> 0;
            };
            if (width == 0) {
                continue;
            }
            String where = source + ": variable '" + e.getKey() + "'";
            if (en.slices) {
                throw new ModelFormatException(where, "is stored in slices (partitioned variables are not supported)");
            }
            long numel = HostTensor.numel(en.shape);
            if (numel > Integer.MAX_VALUE || en.size != numel * width) {
                throw new ModelFormatException(where, "holds " + en.size + " bytes but its shape " + java.util.Arrays.toString(en.shape)
                        + " needs " + numel * width);
            }
            if (en.shard < 0 || en.shard >= shards.count()) {
                throw new ModelFormatException(where, "points to data shard " + en.shard + " of " + shards.count());
            }
            if (en.offset < 0 || en.offset + en.size > shards.length(en.shard)) {
                throw new ModelFormatException(where, "bytes [" + en.offset + ", " + (en.offset + en.size)
                        + ") lie outside data shard " + en.shard + " (" + shards.length(en.shard) + " bytes): truncated checkpoint?");
            }
            ByteBuffer bytes = shards.slice(en.shard, en.offset, (int) en.size).order(ByteOrder.LITTLE_ENDIAN);
            if (en.crc32c != null && mask(crc32c(bytes)) != en.crc32c) {
                throw new ModelFormatException(where, "checksum mismatch: the data file is corrupt");
            }
            float[] data = new float[(int) numel];
            for (int i = 0; i < data.length; i++) {
                data[i] = switch (en.dtype) {
                    case DT_FLOAT -> bytes.getFloat(i * 4);
                    case DT_DOUBLE -> (float) bytes.getDouble(i * 8);
                    case DT_BFLOAT16 -> FloatCodec.bf16ToFloat(bytes.getShort(i * 2));
                    default -> FloatCodec.fp16ToFloat(bytes.getShort(i * 2));
                };
            }
            out.put(e.getKey(), new HostTensor(en.shape, data));
        }
        return out;
    }

    private static int crc32c(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate());
        return (int) crc.getValue();
    }

    /** LevelDB's checksum masking, which TensorFlow applies to the stored CRC. */
    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** One BundleEntryProto. */
    public static final class Entry {
        int dtype;
        long[] shape = new long[0];
        int shard;
        long offset;
        long size;
        Integer crc32c;
        boolean slices;

        public long[] shape() {
            return shape;
        }

        public int dtype() {
            return dtype;
        }

        static Entry parse(byte[] value, String source, String name) {
            Entry en = new Entry();
            try {
                ProtoReader r = new ProtoReader(ByteBuffer.wrap(value), 0, value.length);
                List<Long> dims = new ArrayList<>();
                while (r.hasMore()) {
                    int tag = r.readTag();
                    int field = tag >>> 3;
                    int wire = tag & 7;
                    if (field == 1 && wire == ProtoReader.VARINT) {
                        en.dtype = (int) r.readVarint();
                    } else if (field == 2 && wire == ProtoReader.LENGTH_DELIMITED) {
                        ProtoReader shape = r.readMessage();
                        while (shape.hasMore()) {
                            int st = shape.readTag();
                            if (st >>> 3 == 2 && (st & 7) == ProtoReader.LENGTH_DELIMITED) {
                                ProtoReader dim = shape.readMessage();
                                long size = 0;
                                while (dim.hasMore()) {
                                    int dt = dim.readTag();
                                    if (dt >>> 3 == 1 && (dt & 7) == ProtoReader.VARINT) {
                                        size = dim.readVarint();
                                    } else {
                                        dim.skip(dt & 7);
                                    }
                                }
                                dims.add(size);
                            } else {
                                shape.skip(st & 7);
                            }
                        }
                    } else if (field == 3 && wire == ProtoReader.VARINT) {
                        en.shard = (int) r.readVarint();
                    } else if (field == 4 && wire == ProtoReader.VARINT) {
                        en.offset = r.readVarint();
                    } else if (field == 5 && wire == ProtoReader.VARINT) {
                        en.size = r.readVarint();
                    } else if (field == 6 && wire == ProtoReader.FIXED32) {
                        en.crc32c = Float.floatToRawIntBits(r.readFixed32Float());
                    } else if (field == 7) {
                        en.slices = true;
                        r.skip(wire);
                    } else {
                        r.skip(wire);
                    }
                }
                en.shape = dims.stream().mapToLong(Long::longValue).toArray();
            } catch (ProtoReader.ProtoException e) {
                throw new ModelFormatException(source, "corrupt index entry for '" + name + "': " + e.getMessage());
            }
            return en;
        }
    }

    /** Every key and value of a LevelDB-format table, following its index block. */
    static Map<String, byte[]> readTable(byte[] file, String source) {
        if (file.length < 48) {
            throw new ModelFormatException(source, "index of " + file.length + " bytes is too short to be a TensorFlow checkpoint index");
        }
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getLong(file.length - 8) != TABLE_MAGIC) {
            throw new ModelFormatException(source, "not a TensorFlow checkpoint index (bad table magic)");
        }
        try {
            ProtoReader footer = new ProtoReader(buf, file.length - 48, file.length - 8);
            footer.readVarint();
            footer.readVarint();
            long indexOffset = footer.readVarint();
            long indexSize = footer.readVarint();
            Map<String, byte[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> handle : readBlock(file, indexOffset, indexSize, source).entrySet()) {
                byte[] h = handle.getValue();
                ProtoReader r = new ProtoReader(ByteBuffer.wrap(h), 0, h.length);
                long off = r.readVarint();
                long size = r.readVarint();
                out.putAll(readBlock(file, off, size, source));
            }
            return out;
        } catch (ProtoReader.ProtoException e) {
            throw new ModelFormatException(source, "corrupt checkpoint index: " + e.getMessage());
        }
    }

    private static Map<String, byte[]> readBlock(byte[] file, long offset, long size, String source) {
        // Compared without adding offset and size: forged varints near 2^63 would overflow the sum (fuzzing found it).
        if (offset < 0 || size < 0 || offset > file.length || size > file.length - offset - 5) {
            throw new ModelFormatException(source, "corrupt checkpoint index: block [" + offset + ", " + (offset + size)
                    + ") lies outside the file (" + file.length + " bytes)");
        }
        byte[] block = java.util.Arrays.copyOfRange(file, (int) offset, (int) (offset + size));
        int type = file[(int) (offset + size)];
        if (type == 1) {
            block = Snappy.decompress(block, source);
        } else if (type != 0) {
            throw new ModelFormatException(source, "corrupt checkpoint index: unknown block compression " + type);
        }
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        if (block.length < 4) {
            throw new ModelFormatException(source, "corrupt checkpoint index: block too short");
        }
        int restarts = b.getInt(block.length - 4);
        long limit = block.length - 4 - 4L * restarts;
        if (restarts < 0 || limit < 0) {
            throw new ModelFormatException(source, "corrupt checkpoint index: bad restart count " + restarts);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        ProtoReader r = new ProtoReader(b, 0, (int) limit);
        byte[] key = new byte[0];
        while (r.hasMore()) {
            int shared = (int) r.readVarint();
            int nonShared = (int) r.readVarint();
            int valueLen = (int) r.readVarint();
            int pos = r.position();
            if (shared < 0 || shared > key.length || nonShared < 0 || valueLen < 0 || (long) pos + nonShared + valueLen > limit) {
                throw new ModelFormatException(source, "corrupt checkpoint index: entry runs past its block");
            }
            byte[] next = new byte[shared + nonShared];
            System.arraycopy(key, 0, next, 0, shared);
            System.arraycopy(block, pos, next, shared, nonShared);
            key = next;
            byte[] value = java.util.Arrays.copyOfRange(block, pos + nonShared, pos + nonShared + valueLen);
            out.put(new String(key, StandardCharsets.UTF_8), value);
            r = new ProtoReader(b, pos + nonShared + valueLen, (int) limit);
        }
        return out;
    }
}
