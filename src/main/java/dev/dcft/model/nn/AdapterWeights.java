package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The tensors an adapter layer trains, found by their PEFT names under a module. */
public final class AdapterWeights {
    private AdapterWeights() {
    }

    public static List<NDArray> of(Object layer) {
        List<NDArray> out = new ArrayList<>();
        if (layer instanceof Module m) {
            for (Map.Entry<String, Parameter> p : m.namedParameters().entrySet()) {
                if (!p.getKey().startsWith("base_layer.") && !p.getKey().equals("weight") && !p.getKey().equals("bias")) {
                    out.add(p.getValue().value());
                }
            }
        }
        return out;
    }
}
