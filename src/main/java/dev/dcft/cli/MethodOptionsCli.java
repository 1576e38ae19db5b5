package dev.dcft.cli;

import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The registered methods' options on the commands that configure adapters ({@code train},
 * {@code params}): declared from {@link AdapterMethods#options()} when the CLI is built, so a new
 * method's options appear without editing a command; the chosen method reads and checks them.
 */
final class MethodOptionsCli {
    private MethodOptionsCli() {
    }

    /** Adds every method option to {@code spec} and lists the methods in {@code --method}'s help. */
    static void addTo(CommandSpec spec) {
        for (MethodOption o : AdapterMethods.options()) {
            OptionSpec.Builder b = OptionSpec.builder(o.flagName()).description(o.description());
            if (o.kind() == MethodOption.Kind.FLAG) {
                b.arity("0").type(boolean.class);
            } else {
                b.arity("1").type(String.class).paramLabel("<" + o.label() + ">");
            }
            spec.addOption(b.build());
        }
        OptionSpec method = spec.findOption("--method");
        if (method != null) {
            StringBuilder d = new StringBuilder();
            for (AdapterMethod m : AdapterMethods.all()) {
                if (d.indexOf(m.name() + ":") < 0) {
                    d.append(d.length() == 0 ? "" : "; ").append(m.name()).append(": ").append(m.summary());
                }
            }
            spec.remove(method);
            spec.addOption(method.toBuilder().description("Adapter method (" + d + "), or head (the task head alone) or full"
                    + " (every weight). Default: dcft.").build());
        }
    }

    /** The method options given on the command line (flags only when set). */
    static MethodOptions given(CommandSpec spec) {
        MethodOptions out = MethodOptions.empty();
        for (MethodOption o : AdapterMethods.options()) {
            OptionSpec s = spec.findOption(o.flagName());
            Object v = s == null ? null : s.getValue();
            if (v instanceof Boolean b) {
                v = b ? Boolean.TRUE : null;
            }
            out = out.with(o.name(), v);
        }
        return out;
    }
}
