package dev.dcft.adapters.lora;

import dev.dcft.adapters.TargetModules;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * LoRA as PEFT defines it: rank r, scale {@code alpha / r} ({@code alpha / sqrt(r)} with rsLoRA),
 * dropout on the adapter's input; per-module ranks and alphas by PEFT's {@code rank_pattern} and
 * {@code alpha_pattern} (the first key that matches the end of the module's key after a dot, as a
 * regular expression); {@code bias} ("none", "all" or "lora_only": which base biases the file
 * carries, replacing the base's) and {@code loraBias} (a trainable bias on {@code lora_B}, scaled
 * like the product and folded into the base bias on merge).
 */
public record LoraConfig(int rank, double alpha, double dropout, TargetModules targets, boolean rslora, Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern, String bias, boolean loraBias) {
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        rankPattern = rankPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rankPattern));
        alphaPattern = alphaPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(alphaPattern));
        bias = bias == null ? "none" : bias;
        for (int r : rankPattern.values()) {
            if (r < 1) {
                throw new IllegalArgumentException("LoRA rank must be at least 1, got " + r + " in rank_pattern");
            }
        }
    }

    /** Plain LoRA: one rank and alpha for every module, no biases. */
    public LoraConfig(int rank, double alpha, double dropout, TargetModules targets) {
        this(rank, alpha, dropout, targets, false, Map.of(), Map.of(), "none", false);
    }

    /** The scale of a module with the default rank and alpha. */
    public double scale() {
        return scale(rank, alpha);
    }

    private double scale(int r, double a) {
        return rslora ? a / Math.sqrt(r) : a / r;
    }

    /** The rank of the module at {@code path} (our path; matched on PEFT's key). */
    public int rankFor(String path) {
        String k = patternKey(rankPattern.keySet(), targets.keyPrefix() + path);
        return k == null ? rank : rankPattern.get(k);
    }

    public double alphaFor(String path) {
        String k = patternKey(alphaPattern.keySet(), targets.keyPrefix() + path);
        return k == null ? alpha : alphaPattern.get(k);
    }

    public double scaleFor(String path) {
        return scale(rankFor(path), alphaFor(path));
    }

    /**
     * PEFT's {@code get_pattern_key}: the first key (in the file's order) for which
     * {@code (.*\.)?(key)$} matches the start of the module key. Insertion order is kept by the
     * caller's map (the JSON's order).
     */
    static String patternKey(Iterable<String> keys, String moduleKey) {
        for (String key : keys) {
            Pattern p = Pattern.compile("(.*\\.)?(" + key + ")$");
            if (p.matcher(dev.dcft.adapters.RegexBudget.of(moduleKey, p)).lookingAt()) {
                return key;
            }
        }
        return null;
    }
}
