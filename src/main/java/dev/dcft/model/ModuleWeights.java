package dev.dcft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.engine.Bf16;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.FrozenBf16;
import dev.dcft.model.nn.Parameter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Moves weights between checkpoint tensor names and a module tree's parameters, for any architecture. */
public final class ModuleWeights {
    private ModuleWeights() {
    }

    /**
     * Copies every parameter of {@code module} from {@code tensors[prefix + path]}; a missing
     * tensor or a wrong shape is an error naming it.
     */
    public static void load(Module module, String prefix, Map<String, HostTensor> tensors, NDManager manager, String source) {
        load(module, prefix, tensors, manager, source, Set.of());
    }

    /** As above; each parameter in {@code bf16} is stored in bfloat16 as soon as it is read. */
    public static void load(Module module, String prefix, Map<String, HostTensor> tensors, NDManager manager, String source,
            Set<Parameter> bf16) {
        for (Map.Entry<String, Parameter> p : module.namedParameters().entrySet()) {
            String name = prefix + p.getKey();
            HostTensor t = tensors.get(name);
            Shape expected = p.getValue().value().getShape();
            if (t == null) {
                throw new ModelFormatException(source, "missing tensor '" + name + "' (shape " + expected
                        + " expected from config.json)");
            }
            if (!Arrays.equals(t.shape(), expected.getShape())) {
                throw new ModelFormatException(source, "tensor '" + name + "' has shape " + t.shapeString()
                        + " but config.json implies " + Arrays.toString(expected.getShape()));
            }
            if (bf16.contains(p.getValue())) {
                FrozenBf16.setFromHost(p.getValue(), manager, t.data(), t.data().length, new Shape(t.shape()));
            } else {
                p.getValue().set(manager.create(t.data(), new Shape(t.shape())));
            }
        }
    }

    /** A tensor's values as float32 on the host (a bf16 tensor widened exactly). */
    private static float[] hostFloats(NDArray v) {
        if (!Bf16.isBf16(v)) {
            return v.toFloatArray();
        }
        try (NDArray f = Bf16.toFp32(v)) {
            return f.toFloatArray();
        }
    }

    /** The parameters as host tensors under {@code prefix + path}. */
    public static Map<String, HostTensor> export(Module module, String prefix) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> p : module.namedParameters().entrySet()) {
            if (p.getKey().contains(".base_layer.")) {
                throw new IllegalStateException("the model still carries adapters: merge and unload them before exporting");
            }
            NDArray v = p.getValue().value();
            out.put(prefix + p.getKey(), new HostTensor(v.getShape().getShape(), hostFloats(v)));
        }
        return out;
    }
}
