package dev.dcft.io.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, just enough of it to walk an ONNX model without generated classes.
 * Every read is bounds-checked so that a truncated or corrupt file fails with a message, not an
 * ArrayIndexOutOfBounds deep inside a loader.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buf;
    private final int end;
    private int pos;

    ProtoReader(ByteBuffer buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads a field tag; returns field number << 3 | wire type. */
    int readTag() {
        long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE) {
            throw new ProtoException("invalid field tag " + tag + " at byte " + pos);
        }
        return (int) tag;
    }

    long readVarint() {
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

    float readFixed32Float() {
        need(4);
        float v = buf.order(ByteOrder.LITTLE_ENDIAN).getFloat(pos);
        pos += 4;
        return v;
    }

    /** Returns [start, end) of a length-delimited field's payload and skips past it. */
    int[] readLengthDelimited() {
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw new ProtoException("field of " + len + " bytes runs past the end of its message at byte " + pos);
        }
        int[] span = {pos, pos + (int) len};
        pos += (int) len;
        return span;
    }

    ProtoReader readMessage() {
        int[] span = readLengthDelimited();
        return new ProtoReader(buf, span[0], span[1]);
    }

    String readString() {
        int[] span = readLengthDelimited();
        byte[] bytes = new byte[span[1] - span[0]];
        buf.get(span[0], bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    void skip(int wireType) {
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

    ByteBuffer buffer() {
        return buf;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw new ProtoException("value runs past the end of its message at byte " + pos);
        }
    }

    static final class ProtoException extends RuntimeException {
        ProtoException(String message) {
            super(message);
        }
    }
}
