package dev.dcft.adapters;

import java.util.Locale;

/**
 * What trains: adapters of a registered method ({@link MethodConfig}), the task head alone, or
 * every weight (full fine-tuning). The two baselines are not adapter methods: they put nothing on
 * the model and differ only in what is trainable.
 */
public record AdapterSpec(Kind kind, MethodConfig config) {
    public enum Kind {
        ADAPTER, HEAD, FULL
    }

    public AdapterSpec {
        if ((kind == Kind.ADAPTER) != (config != null)) {
            throw new IllegalArgumentException(kind == Kind.ADAPTER ? "an adapter method needs its configuration"
                    : kind + " takes no adapter configuration");
        }
    }

    public static AdapterSpec of(MethodConfig c) {
        return new AdapterSpec(Kind.ADAPTER, c);
    }

    public static AdapterSpec headOnly() {
        return new AdapterSpec(Kind.HEAD, null);
    }

    public static AdapterSpec full() {
        return new AdapterSpec(Kind.FULL, null);
    }

    /** The baseline called {@code name} ({@code head}, {@code full} and their aliases), or null for an adapter method's name. */
    public static AdapterSpec baseline(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "head", "head-only", "frozen" -> headOnly();
            case "full", "full-ft", "full-finetune" -> full();
            default -> null;
        };
    }

    public boolean hasAdapters() {
        return kind == Kind.ADAPTER;
    }

    public boolean isFull() {
        return kind == Kind.FULL;
    }

    public boolean isHeadOnly() {
        return kind == Kind.HEAD;
    }

    /** The CLI name: the method's, or {@code head}, {@code full}. */
    public String methodName() {
        return hasAdapters() ? config.method().name() : kind.name().toLowerCase(Locale.ROOT);
    }

    /** {@code peft_type} of the saved file: the method's, or dcft-java's own {@code HEAD} and {@code FULL}. */
    public String peftType() {
        return hasAdapters() ? config.method().peftType() : kind.name();
    }

    public TargetModules targets() {
        return hasAdapters() ? config.targets() : null;
    }

    public String describe() {
        return hasAdapters() ? config.describe() : isFull() ? "full fine-tuning" : "head only";
    }
}
