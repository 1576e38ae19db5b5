package dev.dcft.io.onnx;

import java.util.List;
import java.util.Map;

/** One graph node: its operator, wiring, and the attributes this project reads. */
public record OnnxNode(String opType, String name, List<String> inputs, List<String> outputs,
        Map<String, Float> floatAttributes, Map<String, OnnxTensor> tensorAttributes) {
}
