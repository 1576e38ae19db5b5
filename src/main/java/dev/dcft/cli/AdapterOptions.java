package dev.dcft.cli;

import dev.dcft.adapters.TargetModules;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that configure adapters. */
final class AdapterOptions {
    @Option(names = "--method", defaultValue = "dcft", description = "dcft, lora, head or full. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--kernel", defaultValue = "8", description = "DCFT kernel size d. Default: ${DEFAULT-VALUE}.")
    int kernel;

    @Option(names = "--stride", description = "DCFT stride t, 1 <= t <= d. Default: d.")
    Integer stride;

    @Option(names = "--rank", description = "Subspace rank r (DCFT, default 1) or LoRA rank (default 8).")
    Integer rank;

    @Option(names = "--target", split = ",", description = "target_modules: module-name suffixes, comma-separated."
            + " Default: the six matrices of every layer (query,key,value,attention.output.dense,intermediate.dense,output.dense).")
    List<String> targets;

    @Option(names = "--target-regex", description = "target_modules as a regular expression over the whole module path.")
    String targetRegex;

    TargetModules targetModules(List<String> defaults) {
        if (targetRegex != null && targets != null) {
            throw new IllegalArgumentException("give --target or --target-regex, not both");
        }
        return TargetModules.of(targets, targetRegex, defaults);
    }

    int stride() {
        return stride == null ? kernel : stride;
    }

    int rank(int fallback) {
        return rank == null ? fallback : rank;
    }
}
