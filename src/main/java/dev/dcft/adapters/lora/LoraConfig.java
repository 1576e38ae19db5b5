package dev.dcft.adapters.lora;

import dev.dcft.adapters.TargetModules;

/** LoRA as PEFT defines it: rank r, scale {@code alpha / r}, dropout on the adapter's input. */
public record LoraConfig(int rank, double alpha, double dropout, TargetModules targets) {
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
    }

    public double scale() {
        return alpha / rank;
    }
}
