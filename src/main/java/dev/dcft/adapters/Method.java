package dev.dcft.adapters;

import java.util.Locale;

/** Ways to fine-tune, all run through the same code so comparisons are like for like. */
public enum Method {
    /** Deconvolution in subspace: the backbone frozen, DCFT increments on the target layers. */
    DCFT,
    /** Low-rank adaptation: the backbone frozen, LoRA increments on the target layers. */
    LORA,
    /** Only the task head trains; the encoder is frozen. */
    HEAD,
    /** Everything trains. */
    FULL;

    public static Method parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "dcft" -> DCFT;
            case "lora" -> LORA;
            case "head", "head-only", "frozen" -> HEAD;
            case "full", "full-ft", "full-finetune" -> FULL;
            default -> throw new IllegalArgumentException("unknown method '" + s + "' (dcft, lora, head, full)");
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
