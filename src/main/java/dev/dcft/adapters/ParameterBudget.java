package dev.dcft.adapters;

import dev.dcft.model.AdaptableLinear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainable adapter numbers computed from a configuration alone (SPEC section 3), by each method's
 * formula ({@link MethodConfig#parameterCount}): per adapted matrix {@code r (n_in + n_out) + d^2}
 * for DCFT, {@code r (in + out)} for LoRA.
 */
public final class ParameterBudget {
    private ParameterBudget() {
    }

    public record Count(long trainable, Map<String, Long> perModule, int adaptedMatrices) {
    }

    /** The count of {@code config} on the model whose adaptable linears are {@code layers}. */
    public static Count of(List<AdaptableLinear> layers, MethodConfig config) {
        return count(layers, config.targets(), config::parameterCount);
    }

    private static Count count(List<AdaptableLinear> layers, TargetModules targets,
            java.util.function.ToLongFunction<AdaptableLinear> perLayer) {
        Map<String, Long> per = new LinkedHashMap<>();
        long total = 0;
        int n = 0;
        for (AdaptableLinear s : layers) {
            if (!targets.matches(s.path())) {
                continue;
            }
            long c = perLayer.applyAsLong(s);
            per.merge(s.moduleType(), c, Long::sum);
            total += c;
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("target_modules '" + targets + "' matched no linear layer of the model");
        }
        return new Count(total, per, n);
    }
}
