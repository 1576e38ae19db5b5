package dev.dcft.model.nn;

import java.util.ArrayList;
import java.util.List;

/** Children named 0, 1, 2, ... as in PyTorch's nn.ModuleList. */
public final class ModuleList<M extends Module> extends Module {
    private final List<String> names = new ArrayList<>();

    public void add(M module) {
        String name = Integer.toString(names.size());
        names.add(name);
        addChild(name, module);
    }

    @SuppressWarnings("unchecked")
    public M get(int i) {
        return (M) child(names.get(i));
    }

    public int size() {
        return names.size();
    }
}
