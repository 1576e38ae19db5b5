package dev.dcft.cli;

import dev.dcft.engine.Precision;
import picocli.CommandLine.Option;

/** {@code --precision}, shared by every command that runs a base model. */
final class PrecisionOption {
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16|auto",
            description = "How the frozen base is stored and multiplied: fp32, bf16 (half the memory; products in bfloat16,"
                    + " LayerNorm, softmax, adapters, heads, loss and AdamW in float32), or auto (bf16 only where the CPU"
                    + " multiplies it natively: AVX512-BF16 or AMX; says which it picked). Default: ${DEFAULT-VALUE}.")
    String precision;

    private Precision resolved;

    /** FP32 or BF16; {@code auto} is decided here and the choice, with its reason, goes to stderr. */
    Precision value() {
        if (resolved == null) {
            Precision requested = Precision.parse(precision);
            Precision.Choice c = requested.resolve();
            if (requested == Precision.AUTO) {
                System.err.println("dcft: precision " + c.precision().label() + " (" + c.reason() + ")");
            }
            resolved = c.precision();
        }
        return resolved;
    }
}
