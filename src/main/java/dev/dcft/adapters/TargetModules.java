package dev.dcft.adapters;

import java.util.List;
import java.util.regex.Pattern;

/**
 * PEFT's {@code target_modules}: a list of names, each matching a module path equal to it or
 * ending in {@code "." + name}; or a single regular expression that must match the whole path.
 * With PEFT's refinements, in PEFT's order ({@code check_target_module_exists}): a module
 * {@code exclude_modules} names (list: equal or suffix; string: full regex match) or one inside a
 * module of {@code modules_to_save} is never adapted; with a list of names, {@code
 * layers_to_transform} keeps only the layers with those indices (the first number after
 * {@code layers_pattern}, or after the second path segment when there is no pattern). Matching is
 * on PEFT's key, the path inside the model PEFT wrapped: {@code keyPrefix} (such as {@code "bert."}
 * for a sequence-classification model) followed by our path.
 */
public final class TargetModules {
    private final List<String> names;
    private final Pattern regex;
    private final List<String> excludeNames;
    private final Pattern excludeRegex;
    private final List<Integer> layers;
    /** How the layer index is found: after one of layers_pattern's names, or after the second path segment. */
    private final List<Pattern> layerIndex;
    /** Keys inside a module of modules_to_save. */
    private final List<Pattern> saved;
    private final String keyPrefix;

    private static final Pattern ANY_LAYER = Pattern.compile(".*?\\.[^.]*\\.(?<idx>\\d+)\\.");

    private TargetModules(List<String> names, Pattern regex, List<String> excludeNames, Pattern excludeRegex, List<Integer> layers,
            List<Pattern> layerIndex, List<Pattern> saved, String keyPrefix) {
        this.names = names;
        this.regex = regex;
        this.excludeNames = excludeNames;
        this.excludeRegex = excludeRegex;
        this.layers = layers;
        this.layerIndex = layerIndex;
        this.saved = saved;
        this.keyPrefix = keyPrefix;
    }

    public static TargetModules names(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("target_modules is empty");
        }
        return new TargetModules(List.copyOf(names), null, List.of(), null, null, List.of(), List.of(), "");
    }

    public static TargetModules regex(String regex) {
        return new TargetModules(null, Pattern.compile(regex), List.of(), null, null, List.of(), List.of(), "");
    }

    /** PEFT's {@code exclude_modules} as a list of names. */
    public TargetModules excluding(List<String> exclude) {
        return new TargetModules(names, regex, List.copyOf(exclude), null, layers, layerIndex, saved, keyPrefix);
    }

    /** PEFT's {@code exclude_modules} as one regular expression. */
    public TargetModules excludingRegex(String exclude) {
        return new TargetModules(names, regex, List.of(), Pattern.compile(exclude), layers, layerIndex, saved, keyPrefix);
    }

    /** PEFT's {@code layers_to_transform} and {@code layers_pattern} (empty: any layer segment). */
    public TargetModules onLayers(List<Integer> indices, List<String> pattern) {
        List<Pattern> index = pattern.isEmpty() ? List.of(ANY_LAYER)
                : pattern.stream().map(p -> Pattern.compile("(?:^|.*?\\.)" + p + "\\.(?<idx>\\d+)\\.")).toList();
        return new TargetModules(names, regex, excludeNames, excludeRegex, List.copyOf(indices), index, saved, keyPrefix);
    }

    /** Modules PEFT saves whole: never adapted. */
    public TargetModules savingWhole(List<String> modules) {
        // Names, not patterns (PEFT compares modules_to_save by name).
        List<Pattern> inside = modules.stream().map(m -> Pattern.compile("(^|.*\\.)" + Pattern.quote(m) + "($|\\..*)")).toList();
        return new TargetModules(names, regex, excludeNames, excludeRegex, layers, layerIndex, inside, keyPrefix);
    }

    /** The path of the base model inside the model PEFT wrapped ({@code "bert."}), or "". */
    public TargetModules withKeyPrefix(String prefix) {
        return new TargetModules(names, regex, excludeNames, excludeRegex, layers, layerIndex, saved, prefix);
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** The regular expression when there is one, else the names, else {@code defaults}. */
    public static TargetModules of(List<String> names, String regex, List<String> defaults) {
        return regex != null ? regex(regex) : names(names != null ? names : defaults);
    }

    public boolean matches(String path) {
        String key = keyPrefix + path;
        if (excludeRegex != null ? excludeRegex.matcher(RegexBudget.of(key, excludeRegex)).matches() : endsWithAny(key, excludeNames)) {
            return false;
        }
        for (Pattern m : saved) {
            if (m.matcher(key).matches()) {
                return false;
            }
        }
        if (regex != null) {
            // PEFT applies layers_to_transform only to a list of names: a regex says everything itself.
            return regex.matcher(RegexBudget.of(key, regex)).matches();
        }
        if (!endsWithAny(key, names)) {
            return false;
        }
        if (layers == null) {
            return true;
        }
        Integer index = layerIndex(key);
        return index != null && layers.contains(index);
    }

    private static boolean endsWithAny(String key, List<String> suffixes) {
        for (String n : suffixes) {
            if (key.equals(n) || key.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }

    /** The layer index PEFT reads from a key: the first number after a layers_pattern segment, or after the second segment. */
    Integer layerIndex(String key) {
        for (Pattern p : layerIndex) {
            java.util.regex.Matcher m = p.matcher(RegexBudget.of(key, p));
            if (m.lookingAt()) {
                return Integer.parseInt(m.group("idx"));
            }
        }
        return null;
    }

    public boolean isRegex() {
        return regex != null;
    }

    public List<String> nameList() {
        return names;
    }

    public String pattern() {
        return regex == null ? null : regex.pattern();
    }

    @Override
    public String toString() {
        return regex != null ? regex.pattern() : String.join(",", names);
    }
}
