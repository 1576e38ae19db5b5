package dev.dcft.io.proto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, just enough of it to walk ONNX models, TensorFlow bundle entries and
 * SentencePiece models without generated classes.
 * Every read is bounds-checked so that a truncated or corrupt file fails with a message, not an
 * ArrayIndexOutOfBounds deep inside a loader.
 */
public final class ProtoReader {
    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LENGTH_DELIMITED = 2;
    public static final int FIXED32 = 5;

    private final ByteBuffer buf;
    private final int end;
    private int pos;

    public ProtoReader(ByteBuffer buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    public boolean hasMore() {
        return pos < end;
    }

    /** Reads a field tag; returns field number << 3 | wire type. */
    public int readTag() {
        long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE) {
            throw new ProtoException("invalid field tag " + tag + " at byte " + pos);
        }
        return (int) tag;
    }

    public long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new ProtoException("varint runs past the end of its message at byte " + pos);
            }
            byte b = buf.get(pos++);
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new ProtoException("varint longer than 10 bytes at byte " + pos);
    }

    public float readFixed32Float() {
        need(4);
        float v = buf.order(ByteOrder.LITTLE_ENDIAN).getFloat(pos);
        pos += 4;
        return v;
    }

    /** Returns [start, end) of a length-delimited field's payload and skips past it. */
    public int[] readLengthDelimited() {
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw new ProtoException("field of " + len + " bytes runs past the end of its message at byte " + pos);
        }
        int[] span = {pos, pos + (int) len};
        pos += (int) len;
        return span;
    }

    public ProtoReader readMessage() {
        int[] span = readLengthDelimited();
        return new ProtoReader(buf, span[0], span[1]);
    }

    public String readString() {
        int[] span = readLengthDelimited();
        byte[] bytes = new byte[span[1] - span[0]];
        buf.get(span[0], bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                need(8);
                pos += 8;
            }
            case LENGTH_DELIMITED -> readLengthDelimited();
            case FIXED32 -> {
                need(4);
                pos += 4;
            }
            default -> throw new ProtoException("unsupported wire type " + wireType + " at byte " + pos);
        }
    }

    /** The byte position of the next read. */
    public int position() {
        return pos;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw new ProtoException("value runs past the end of its message at byte " + pos);
        }
    }

    public static final class ProtoException extends RuntimeException {
            public ProtoException(String message) {
            super(message);
        }
    }
}
