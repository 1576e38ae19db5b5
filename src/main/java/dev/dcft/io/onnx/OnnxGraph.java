package dev.dcft.io.onnx;

import dev.dcft.io.proto.ProtoReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX ModelProto this project uses: the main graph's initializers and nodes.
 * Field numbers follow onnx.proto (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto input 1, output 2, name 3, op_type 4, attribute 5; TensorProto dims 1, data_type 2,
 * float_data 4, int64_data 7, name 8, raw_data 9, data_location 14; AttributeProto name 1, f 2, t 5).
 */
public final class OnnxGraph {
    private final Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
    private final List<OnnxNode> nodes = new ArrayList<>();
    private final String source;

    private OnnxGraph(String source) {
        this.source = source;
    }

    public static OnnxGraph read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new OnnxFormatProblem(file.toString(), "files over 2 GB (external data) are not supported");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return parse(buf, file.toString());
        } catch (NoSuchFileException e) {
            throw new OnnxFormatProblem(file.toString(), "file not found");
        } catch (IOException e) {
            throw new OnnxFormatProblem(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    public static OnnxGraph read(InputStream in, String source) throws IOException {
        return parse(ByteBuffer.wrap(in.readAllBytes()), source);
    }

    public static OnnxGraph parse(ByteBuffer buf, String source) {
        OnnxGraph g = new OnnxGraph(source);
        try {
            ProtoReader model = new ProtoReader(buf, 0, buf.limit());
            boolean sawGraph = false;
            while (model.hasMore()) {
                int tag = model.readTag();
                if (tag >>> 3 == 7 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                    g.readGraph(model.readMessage());
                    sawGraph = true;
                } else {
                    model.skip(tag & 7);
                }
            }
            if (!sawGraph) {
                throw new OnnxFormatProblem(source, "not an ONNX model (no graph found)");
            }
        } catch (ProtoReader.ProtoException e) {
            throw new OnnxFormatProblem(source, "corrupt or truncated ONNX file: " + e.getMessage());
        }
        return g;
    }

    public Map<String, OnnxTensor> initializers() {
        return initializers;
    }

    public List<OnnxNode> nodes() {
        return nodes;
    }

    public String source() {
        return source;
    }

    /** Maps each value name to the nodes that consume it. */
    public Map<String, List<OnnxNode>> consumers() {
        Map<String, List<OnnxNode>> out = new HashMap<>();
        for (OnnxNode n : nodes) {
            for (String in : n.inputs()) {
                out.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return out;
    }

    /** The constant value of a name: an initializer or the output of a Constant node, else null. */
    public OnnxTensor constant(String name) {
        OnnxTensor t = initializers.get(name);
        if (t != null) {
            return t;
        }
        for (OnnxNode n : nodes) {
            if (n.opType().equals("Constant") && n.outputs().contains(name)) {
                return n.tensorAttributes().get("value");
            }
        }
        return null;
    }

    private void readGraph(ProtoReader r) {
        while (r.hasMore()) {
            int tag = r.readTag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                nodes.add(readNode(r.readMessage()));
            } else if (field == 5 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                OnnxTensor t = readTensor(r.readMessage());
                initializers.put(t.name, t);
            } else {
                r.skip(tag & 7);
            }
        }
    }

    private OnnxNode readNode(ProtoReader r) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        Map<String, Float> floats = new HashMap<>();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> inputs.add(r.readString());
                case 2 -> outputs.add(r.readString());
                case 3 -> name = r.readString();
                case 4 -> op = r.readString();
                case 5 -> readAttribute(r.readMessage(), floats, tensors);
                default -> r.skip(tag & 7);
            }
        }
        return new OnnxNode(op, name, inputs, outputs, floats, tensors);
    }

    private void readAttribute(ProtoReader r, Map<String, Float> floats, Map<String, OnnxTensor> tensors) {
        String name = null;
        Float f = null;
        OnnxTensor t = null;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> name = r.readString();
                case 2 -> f = r.readFixed32Float();
                case 5 -> t = readTensor(r.readMessage());
                default -> r.skip(tag & 7);
            }
        }
        if (name != null && f != null) {
            floats.put(name, f);
        }
        if (name != null && t != null) {
            tensors.put(name, t);
        }
    }

    private OnnxTensor readTensor(ProtoReader r) {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        int rawStart = 0;
        int rawEnd = 0;
        List<Float> floatData = null;
        List<Long> int64Data = null;
        boolean external = false;
        while (r.hasMore()) {
            int tag = r.readTag();
            int wire = tag & 7;
            switch (tag >>> 3) {
                case 1 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        ProtoReader packed = r.readMessage();
                        while (packed.hasMore()) {
                            dims.add(packed.readVarint());
                        }
                    } else {
                        dims.add(r.readVarint());
                    }
                }
                case 2 -> dataType = (int) r.readVarint();
                case 4 -> {
                    if (floatData == null) {
                        floatData = new ArrayList<>();
                    }
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        ProtoReader packed = r.readMessage();
                        while (packed.hasMore()) {
                            floatData.add(packed.readFixed32Float());
                        }
                    } else {
                        floatData.add(r.readFixed32Float());
                    }
                }
                case 7 -> {
                    if (int64Data == null) {
                        int64Data = new ArrayList<>();
                    }
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        ProtoReader packed = r.readMessage();
                        while (packed.hasMore()) {
                            int64Data.add(packed.readVarint());
                        }
                    } else {
                        int64Data.add(r.readVarint());
                    }
                }
                case 8 -> name = r.readString();
                case 9 -> {
                    int[] span = r.readLengthDelimited();
                    rawStart = span[0];
                    rawEnd = span[1];
                }
                case 14 -> external = r.readVarint() == 1;
                default -> r.skip(wire);
            }
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        float[] fd = null;
        if (floatData != null) {
            fd = new float[floatData.size()];
            for (int i = 0; i < fd.length; i++) {
                fd[i] = floatData.get(i);
            }
        }
        long[] ld = int64Data == null ? null : int64Data.stream().mapToLong(Long::longValue).toArray();
        return new OnnxTensor(name, d, dataType, r.buffer(), rawStart, rawEnd, fd, ld, external);
    }
}
