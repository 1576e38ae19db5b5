package dev.dcft.adapters;

/**
 * One option an adapter method reads: the CLI flag {@code --name}, the API's
 * {@code method(name, Map.of(name, value))} key and the key in a run's config.json ({@code adapter}).
 * Methods may share a name (--rank, --alpha): the CLI declares it once.
 */
public record MethodOption(String name, String label, String description, Kind kind) {
    /** A value ({@code --kernel 8}), a flag ({@code --rslora}) or key=value pairs ({@code --rank-pattern query=4,key=2}). */
    public enum Kind {
        VALUE, FLAG, MAP
    }

    public static MethodOption value(String name, String label, String description) {
        return new MethodOption(name, label, description, Kind.VALUE);
    }

    public static MethodOption flag(String name, String description) {
        return new MethodOption(name, null, description, Kind.FLAG);
    }

    public static MethodOption map(String name, String description) {
        return new MethodOption(name, "KEY=VALUE", description, Kind.MAP);
    }

    public String flagName() {
        return "--" + name;
    }
}
