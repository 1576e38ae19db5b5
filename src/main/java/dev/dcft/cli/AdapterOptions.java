package dev.dcft.cli;

import dev.dcft.adapters.TargetModules;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that configure adapters; each method's own are added by {@link MethodOptionsCli}. */
final class AdapterOptions {
    @Option(names = "--method", defaultValue = "dcft", description = "dcft, lora, head or full. Default: ${DEFAULT-VALUE}.")
    String method;

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
}
