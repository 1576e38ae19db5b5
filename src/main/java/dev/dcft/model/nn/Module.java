package dev.dcft.model.nn;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of the model tree, named like PyTorch's nn.Module so that paths such as
 * {@code encoder.layer.3.attention.self.query} are the Hugging Face ones. Parents look their
 * children up by name at forward time, which is what lets an adapter replace a leaf in place.
 */
public abstract class Module {
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private boolean training;

    protected <M extends Module> M addChild(String name, M child) {
        children.put(name, child);
        return child;
    }

    protected Parameter addParameter(String name, NDArray value) {
        Parameter p = new Parameter(value);
        parameters.put(name, p);
        return p;
    }

    public Module child(String name) {
        Module m = children.get(name);
        if (m == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '" + name + "'");
        }
        return m;
    }

    /** Replaces an existing child, keeping its place in the tree (the injection point for adapters). */
    public void replaceChild(String name, Module replacement) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '" + name + "'");
        }
        replacement.setTraining(training);
        children.put(name, replacement);
    }

    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    public Map<String, Parameter> ownParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Every module below this one (itself as ""), by dotted path, in definition order. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectModules(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
        }
    }

    /** Every parameter below this one by dotted path, in definition order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            String prefix = m.getKey().isEmpty() ? "" : m.getKey() + ".";
            for (Map.Entry<String, Parameter> p : m.getValue().parameters.entrySet()) {
                out.put(prefix + p.getKey(), p.getValue());
            }
        }
        return out;
    }

    public Module find(String path) {
        Module m = this;
        if (path.isEmpty()) {
            return m;
        }
        for (String part : path.split("\\.")) {
            m = m.child(part);
        }
        return m;
    }

    public boolean isTraining() {
        return training;
    }

    /** Switches dropout on or off for this subtree. */
    public void setTraining(boolean training) {
        this.training = training;
        for (Module c : children.values()) {
            c.setTraining(training);
        }
    }
}
