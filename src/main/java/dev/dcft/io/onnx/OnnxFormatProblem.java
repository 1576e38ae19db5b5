package dev.dcft.io.onnx;

import dev.dcft.io.ModelFormatException;

/** A problem with an ONNX file's content. */
public final class OnnxFormatProblem extends ModelFormatException {
    public OnnxFormatProblem(String source, String problem) {
        super(source, problem);
    }
}
