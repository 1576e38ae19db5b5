package dev.dcft.io.onnx;

import dev.dcft.io.HostTensor;
import dev.dcft.model.bert.BertConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a BERT-family ONNX export into Hugging Face tensor names and a config. Exporters keep the
 * PyTorch names of biases, LayerNorms and embeddings but give MatMul weights anonymous names
 * ({@code onnx::MatMul_787}) stored {@code [in, out]}; each is named by following its MatMul to the
 * Add whose other operand is {@code <module>.bias}, and transposed to {@code [out, in]}.
 */
public final class OnnxBertImporter {
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private OnnxBertImporter() {
    }

    public record Imported(BertConfig config, Map<String, HostTensor> tensors) {
    }

    public static Imported importGraph(OnnxGraph g) {
        String src = g.source();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Map<String, List<OnnxNode>> consumers = g.consumers();
        for (OnnxNode n : g.nodes()) {
            if (n.opType().equals("MatMul") && n.inputs().size() == 2 && g.initializers().containsKey(n.inputs().get(1))) {
                String module = biasModuleAfter(g, consumers, n.outputs().get(0));
                if (module == null) {
                    throw new OnnxFormatProblem(src, "cannot name MatMul weight '" + n.inputs().get(1)
                            + "': its output reaches no Add with a '<module>.bias' initializer");
                }
                HostTensor w = g.initializers().get(n.inputs().get(1)).toHost(src);
                if (w.rank() != 2) {
                    throw new OnnxFormatProblem(src, "MatMul weight for '" + module + "' is not 2-D: " + w.shapeString());
                }
                tensors.put(module + ".weight", w.transpose2d());
            }
        }
        for (OnnxTensor t : g.initializers().values()) {
            if (!t.name().startsWith("onnx::") && t.isFloating() && !t.name().contains("position_ids")) {
                tensors.putIfAbsent(t.name(), t.toHost(src));
            }
        }
        return new Imported(inferConfig(g, tensors), tensors);
    }

    private static String biasModuleAfter(OnnxGraph g, Map<String, List<OnnxNode>> consumers, String value) {
        for (OnnxNode add : consumers.getOrDefault(value, List.of())) {
            if (!add.opType().equals("Add")) {
                continue;
            }
            for (String in : add.inputs()) {
                if (!in.equals(value) && in.endsWith(".bias") && g.initializers().containsKey(in)) {
                    return in.substring(0, in.length() - ".bias".length());
                }
            }
        }
        return null;
    }

    private static BertConfig inferConfig(OnnxGraph g, Map<String, HostTensor> t) {
        String src = g.source();
        HostTensor words = require(t, "embeddings.word_embeddings.weight", src);
        HostTensor positions = require(t, "embeddings.position_embeddings.weight", src);
        HostTensor types = t.get("embeddings.token_type_embeddings.weight");
        int hidden = (int) words.shape()[1];
        int layers = 0;
        for (String name : t.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (layers == 0) {
            throw new OnnxFormatProblem(src, "no encoder.layer.N tensors: not a BERT-family encoder");
        }
        HostTensor ffn = require(t, "encoder.layer.0.intermediate.dense.weight", src);
        int heads = headCount(g, hidden);
        if (types == null) {
            // Models without token types (RoBERTa-style exports) get one all-zero type row.
            types = new HostTensor(new long[] {1, hidden}, new float[hidden]);
            t.put("embeddings.token_type_embeddings.weight", types);
        }
        return BertConfig.of((int) words.shape()[0], hidden, layers, heads, (int) ffn.shape()[0],
                (int) positions.shape()[0], (int) types.shape()[0], layerNormEps(g));
    }

    /** The head count is the constant h in the Reshape target [batch, seq, h, d] with h * d = hidden. */
    private static int headCount(OnnxGraph g, int hidden) {
        for (OnnxNode n : g.nodes()) {
            if (!n.opType().equals("Concat") || n.inputs().size() != 4) {
                continue;
            }
            long[] h = scalarLongs(g, n.inputs().get(2));
            long[] d = scalarLongs(g, n.inputs().get(3));
            if (h != null && d != null && h.length == 1 && d.length == 1 && h[0] > 0 && h[0] * d[0] == hidden) {
                return (int) h[0];
            }
        }
        for (OnnxNode n : g.nodes()) {
            if (n.opType().equals("Reshape") && n.inputs().size() == 2) {
                long[] shape = scalarLongs(g, n.inputs().get(1));
                if (shape != null && shape.length == 4 && shape[2] > 0 && shape[2] * shape[3] == hidden) {
                    return (int) shape[2];
                }
            }
        }
        throw new OnnxFormatProblem(g.source(), "cannot find the attention head count in the graph's Reshape constants");
    }

    private static long[] scalarLongs(OnnxGraph g, String name) {
        OnnxTensor c = g.constant(name);
        return c == null ? null : c.toLongs();
    }

    /** LayerNorm epsilon: a LayerNormalization attribute, or the constant added before the Sqrt. */
    private static float layerNormEps(OnnxGraph g) {
        Map<String, OnnxNode> producers = new LinkedHashMap<>();
        for (OnnxNode n : g.nodes()) {
            for (String o : n.outputs()) {
                producers.put(o, n);
            }
        }
        for (OnnxNode n : g.nodes()) {
            if (n.opType().equals("LayerNormalization") && n.floatAttributes().containsKey("epsilon")) {
                return n.floatAttributes().get("epsilon");
            }
            if (n.opType().equals("Sqrt")) {
                OnnxNode add = producers.get(n.inputs().get(0));
                if (add != null && add.opType().equals("Add")) {
                    for (String in : add.inputs()) {
                        OnnxTensor c = g.constant(in);
                        if (c != null && c.isFloating() && c.numel() == 1) {
                            return c.toHost(g.source()).data()[0];
                        }
                    }
                }
            }
        }
        return 1e-12f;
    }

    private static HostTensor require(Map<String, HostTensor> t, String name, String src) {
        HostTensor x = t.get(name);
        if (x == null || x.rank() != 2) {
            throw new OnnxFormatProblem(src, "missing 2-D tensor '" + name + "': not a BERT-family encoder export");
        }
        return x;
    }
}
