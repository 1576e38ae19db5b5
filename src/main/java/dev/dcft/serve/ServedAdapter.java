package dev.dcft.serve;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.data.TaskSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An adapter as the server holds it: per adapted layer its numbers ({@link ServedLayer}), its task
 * head (classifier, and the pooler when the base has one) on the Java heap, and what shapes its
 * answers: the task (labels, type, whether it reads text pairs) and its truncation length.
 */
record ServedAdapter(String name, Path source, AdapterSpec spec, TaskSpec task, boolean pairsKnown, int maxLength,
        Map<String, ServedLayer> layers, Numbers classifierWeight, Numbers classifierBias, Numbers poolerWeight, Numbers poolerBias) {

    int numLabels() {
        return classifierBias.length();
    }

    /** This adapter under another name, every number scaled by a random factor (benchmark copies). */
    ServedAdapter jittered(String newName, SplittableRandom rng) {
        Map<String, ServedLayer> copies = new LinkedHashMap<>();
        layers.forEach((path, w) -> copies.put(path, w.jitter(rng)));
        return new ServedAdapter(newName, source, spec, task, pairsKnown, maxLength, copies, classifierWeight.jitter(rng),
                classifierBias.jitter(rng), poolerWeight == null ? null : poolerWeight.jitter(rng),
                poolerBias == null ? null : poolerBias.jitter(rng));
    }

    /** The head alone: for an adapter whose layers were merged into the base (benchmarks). */
    ServedAdapter headOnly() {
        return new ServedAdapter(name, source, spec, task, pairsKnown, maxLength, Map.of(), classifierWeight, classifierBias, poolerWeight,
                poolerBias);
    }

    /** Numbers held (adapter layers and head). */
    long numbers() {
        long n = (long) classifierWeight.length() + classifierBias.length();
        if (poolerWeight != null) {
            n += poolerWeight.length() + poolerBias.length();
        }
        for (ServedLayer w : layers.values()) {
            n += w.numbers();
        }
        return n;
    }
}
