package dev.dcft.io.onnx;

import dev.dcft.io.FloatCodec;
import dev.dcft.io.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** An ONNX TensorProto, its payload left in the file buffer until asked for. */
public final class OnnxTensor {
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int BFLOAT16 = 16;

    final String name;
    final long[] dims;
    final int dataType;
    final ByteBuffer buf;
    final int rawStart;
    final int rawEnd;
    final float[] floatData;
    final long[] int64Data;
    final boolean external;

    OnnxTensor(String name, long[] dims, int dataType, ByteBuffer buf, int rawStart, int rawEnd,
            float[] floatData, long[] int64Data, boolean external) {
        this.name = name;
        this.dims = dims;
        this.dataType = dataType;
        this.buf = buf;
        this.rawStart = rawStart;
        this.rawEnd = rawEnd;
        this.floatData = floatData;
        this.int64Data = int64Data;
        this.external = external;
    }

    public String name() {
        return name;
    }

    public long[] dims() {
        return dims.clone();
    }

    public long numel() {
        return HostTensor.numel(dims);
    }

    /** Decodes a float tensor (fp32, fp16 or bf16 storage) to fp32. */
    public HostTensor toHost(String source) {
        if (external) {
            throw new OnnxFormatProblem(source, "tensor '" + name + "' keeps its data in an external file, which is not supported");
        }
        long n = numel();
        if (n > Integer.MAX_VALUE) {
            throw new OnnxFormatProblem(source, "tensor '" + name + "' is too large: " + Arrays.toString(dims));
        }
        float[] out = new float[(int) n];
        if (floatData != null && rawStart == rawEnd) {
            if (floatData.length != n) {
                throw new OnnxFormatProblem(source, "tensor '" + name + "' has " + floatData.length
                        + " values for shape " + Arrays.toString(dims));
            }
            return new HostTensor(dims.clone(), floatData.clone());
        }
        int width = switch (dataType) {
            case FLOAT -> 4;
            case FLOAT16, BFLOAT16 -> 2;
            case DOUBLE -> 8;
            default -> throw new OnnxFormatProblem(source, "tensor '" + name + "' has data type " + dataType
                    + ", not a floating-point type");
        };
        if ((long) (rawEnd - rawStart) != n * width) {
            throw new OnnxFormatProblem(source, "tensor '" + name + "' has " + (rawEnd - rawStart)
                    + " bytes of data for shape " + Arrays.toString(dims) + " (expected " + n * width + ")");
        }
        ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int at = rawStart + i * width;
            out[i] = switch (dataType) {
                case FLOAT -> le.getFloat(at);
                case FLOAT16 -> FloatCodec.fp16ToFloat(le.getShort(at));
                case BFLOAT16 -> FloatCodec.bf16ToFloat(le.getShort(at));
                default -> (float) le.getDouble(at);
            };
        }
        return new HostTensor(dims.clone(), out);
    }

    /** Decodes an integer tensor (int64 or int32), e.g. a Reshape target shape. */
    public long[] toLongs() {
        if (int64Data != null && rawStart == rawEnd) {
            return int64Data.clone();
        }
        ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (dataType == INT64) {
            long[] out = new long[(rawEnd - rawStart) / 8];
            for (int i = 0; i < out.length; i++) {
                out[i] = le.getLong(rawStart + 8 * i);
            }
            return out;
        }
        if (dataType == INT32) {
            long[] out = new long[(rawEnd - rawStart) / 4];
            for (int i = 0; i < out.length; i++) {
                out[i] = le.getInt(rawStart + 4 * i);
            }
            return out;
        }
        return null;
    }

    public boolean isFloating() {
        return dataType == FLOAT || dataType == FLOAT16 || dataType == BFLOAT16 || dataType == DOUBLE;
    }
}
