package dev.dcft.io;

import java.util.Arrays;

/**
 * A float32 tensor in JVM memory, row-major: the neutral form in which weights travel between
 * file formats and the engine.
 */
public record HostTensor(long[] shape, float[] data) {
    public HostTensor {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Transposes a 2-D tensor (ONNX stores MatMul weights [in, out]; Hugging Face stores [out, in]). */
    public HostTensor transpose2d() {
        if (shape.length != 2) {
            throw new IllegalStateException("transpose2d needs a 2-D tensor, got " + shapeString());
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] out = new float[data.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = data[i * cols + j];
            }
        }
        return new HostTensor(new long[] {cols, rows}, out);
    }
}
