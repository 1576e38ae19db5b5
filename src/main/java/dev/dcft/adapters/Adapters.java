package dev.dcft.adapters;

import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Module;
import dev.dcft.model.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Injection by {@code target_modules}, freezing, merging and unloading, as PEFT's
 * {@code get_peft_model}, {@code merge_adapter} and {@code merge_and_unload} do.
 */
public final class Adapters {
    private Adapters() {
    }

    /**
     * Applies {@code spec} to {@code encoder}: adapter layers replace every matching {@link Linear};
     * trainable flags are set (adapters only, nothing, or everything). Returns the adapted paths.
     */
    public static List<String> apply(Module encoder, AdapterSpec spec, NDManager manager, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> injected = new ArrayList<>();
        if (spec.hasAdapters()) {
            TargetModules targets = spec.targets();
            Map<String, Linear> targeted = new LinkedHashMap<>();
            for (Map.Entry<String, Module> e : encoder.namedModules().entrySet()) {
                String path = e.getKey();
                if (e.getValue() instanceof Linear linear && targets.matches(path) && !isInsideAdapter(encoder, path)) {
                    targeted.put(path, linear);
                }
            }
            // Its own stream, so that the layers' initialisations are what they were before methods could bind.
            MethodConfig config = targeted.isEmpty() ? spec.config()
                    : spec.config().bind(targeted, manager, new SplittableRandom(seed ^ 0x5DEECE66DL));
            for (Map.Entry<String, Linear> e : targeted.entrySet()) {
                String path = e.getKey();
                Module layer = (Module) config.wrap(manager, path, e.getValue(), rng.split());
                int dot = path.lastIndexOf('.');
                Module parent = dot < 0 ? encoder : encoder.find(path.substring(0, dot));
                parent.replaceChild(path.substring(dot + 1), layer);
                injected.add(path);
            }
            if (injected.isEmpty()) {
                throw new IllegalArgumentException("target_modules '" + targets + "' matched no linear layer of the model");
            }
        }
        boolean all = spec.isFull();
        for (Map.Entry<String, Parameter> p : encoder.namedParameters().entrySet()) {
            p.getValue().setTrainable(all || isAdapterTensor(p.getKey()));
        }
        for (AdapterLayer layer : layers(encoder).values()) {
            layer.adapterWeights().forEach((name, w) -> {
                if (!layer.trains(name)) {
                    w.parameter().setTrainable(false);
                }
            });
        }
        return injected;
    }

    private static boolean isInsideAdapter(Module root, String path) {
        String[] parts = path.split("\\.");
        Module m = root;
        for (int i = 0; i < parts.length - 1; i++) {
            m = m.child(parts[i]);
            if (m instanceof AdapterLayer) {
                return true;
            }
        }
        return false;
    }

    /** Whether a tensor name ({@code ...query.dcft_A.weight}) belongs to an adapter rather than a base or head. */
    public static boolean isAdapterTensor(String name) {
        return AdapterMethods.isAdapterTensor(name);
    }

    /** Adapter layers by module path. */
    public static Map<String, AdapterLayer> layers(Module root) {
        Map<String, AdapterLayer> out = new LinkedHashMap<>();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof AdapterLayer a) {
                out.put(path, a);
            }
        });
        return out;
    }

    public static void mergeAll(Module root) {
        layers(root).values().forEach(AdapterLayer::merge);
    }

    public static void unmergeAll(Module root) {
        layers(root).values().forEach(AdapterLayer::unmerge);
    }

    /** Merges every adapter and puts the plain (now updated) base layers back: PEFT's merge_and_unload. */
    public static void mergeAndUnload(Module root) {
        for (Map.Entry<String, AdapterLayer> e : layers(root).entrySet()) {
            e.getValue().merge();
            String path = e.getKey();
            int dot = path.lastIndexOf('.');
            Module parent = dot < 0 ? root : root.find(path.substring(0, dot));
            Module adapter = (Module) e.getValue();
            Linear base = e.getValue().baseLayer();
            parent.replaceChild(path.substring(dot + 1), base);
            for (var w : e.getValue().adapterWeights().values()) {
                w.value().close();
            }
            adapter.setTraining(false);
        }
    }

    /** Trainable adapter numbers (excluding any head). */
    public static long adapterParameterCount(Module root) {
        return layers(root).values().stream().mapToLong(AdapterLayer::adapterParameterCount).sum();
    }
}
