package dev.dcft.serve;

import dev.dcft.adapters.AdapterSpec;
import dev.dcft.data.TaskSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * An adapter as the server holds it: per adapted layer its numbers ({@link LayerWeights}), its task
 * head (classifier, and the pooler when the base has one) on the Java heap, and what shapes its
 * answers: the task (labels, type, whether it reads text pairs) and its truncation length.
 */
record ServedAdapter(String name, Path source, AdapterSpec spec, TaskSpec task, boolean pairsKnown, int maxLength,
        Map<String, LayerWeights> layers, Numbers classifierWeight, Numbers classifierBias, Numbers poolerWeight, Numbers poolerBias) {

    int numLabels() {
        return classifierBias.length();
    }

    /** Numbers held (adapter layers and head). */
    long numbers() {
        long n = (long) classifierWeight.length() + classifierBias.length();
        if (poolerWeight != null) {
            n += poolerWeight.length() + poolerBias.length();
        }
        for (LayerWeights w : layers.values()) {
            n += w.numbers();
        }
        return n;
    }
}
