package dev.dcft.adapters;

import java.util.List;
import java.util.regex.Pattern;

/**
 * PEFT's {@code target_modules}: a list of names, each matching a module path equal to it or
 * ending in {@code "." + name}; or a single regular expression that must match the whole path.
 */
public final class TargetModules {
    /** All six matrices of every BERT-family layer (SPEC section 2). */
    public static final List<String> BERT_DEFAULT = List.of("query", "key", "value", "attention.output.dense",
            "intermediate.dense", "output.dense");
    /** The same six for DeBERTa-v2/v3. */
    public static final List<String> DEBERTA_DEFAULT = List.of("query_proj", "key_proj", "value_proj",
            "attention.output.dense", "intermediate.dense", "output.dense");
    /**
     * Both lists at once, for code that does not know the architecture (benchmarks): suffix
     * matching keeps them apart ("query" never matches "query_proj").
     */
    public static final List<String> ANY_ARCHITECTURE_DEFAULT = List.of("query", "key", "value", "query_proj", "key_proj",
            "value_proj", "attention.output.dense", "intermediate.dense", "output.dense");

    private final List<String> names;
    private final Pattern regex;

    private TargetModules(List<String> names, Pattern regex) {
        this.names = names;
        this.regex = regex;
    }

    public static TargetModules names(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("target_modules is empty");
        }
        return new TargetModules(List.copyOf(names), null);
    }

    public static TargetModules regex(String regex) {
        return new TargetModules(null, Pattern.compile(regex));
    }

    /** PEFT's defaults for the architecture: the six matrices of every layer. */
    public static List<String> defaults(boolean deberta) {
        return deberta ? DEBERTA_DEFAULT : BERT_DEFAULT;
    }

    /** The regular expression when there is one, else the names, else {@code defaults}. */
    public static TargetModules of(List<String> names, String regex, List<String> defaults) {
        return regex != null ? regex(regex) : names(names != null ? names : defaults);
    }

    public boolean matches(String path) {
        if (regex != null) {
            return regex.matcher(path).matches();
        }
        for (String n : names) {
            if (path.equals(n) || path.endsWith("." + n)) {
                return true;
            }
        }
        return false;
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
