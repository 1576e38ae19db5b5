package dev.dcft.adapters;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A method's options by name ({@link MethodOption}), as given (CLI text, API values) or complete
 * (every default filled in by {@link AdapterMethod#configure}, as a run's config.json keeps them
 * under {@code adapter}). Values are read leniently (the text "8" is the integer 8), so the CLI, the
 * API and JSON give the same configuration.
 */
public final class MethodOptions {
    private final ObjectNode values;

    @JsonCreator
    public MethodOptions(ObjectNode values) {
        this.values = JsonNodeFactory.instance.objectNode();
        if (values != null) {
            values.fields().forEachRemaining(e -> this.values.set(e.getKey(), canonical(e.getValue())));
        }
    }

    /**
     * One form per value, so that options compare equal however they were made (CLI text, Java
     * numbers, JSON read back): whole numbers as int (or long), others as double, objects deeply.
     */
    private static JsonNode canonical(JsonNode v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v.isNumber()) {
            double d = v.asDouble();
            if (v.isIntegralNumber() || (d == Math.rint(d) && Math.abs(d) < 1e15)) {
                long l = v.isIntegralNumber() ? v.asLong() : (long) d;
                return l == (int) l ? f.numberNode((int) l) : f.numberNode(l);
            }
            return f.numberNode(d);
        }
        if (v.isObject()) {
            ObjectNode o = f.objectNode();
            v.fields().forEachRemaining(e -> o.set(e.getKey(), canonical(e.getValue())));
            return o;
        }
        return v.deepCopy();
    }

    public static MethodOptions empty() {
        return new MethodOptions(null);
    }

    /** From Java values (numbers, strings, booleans, maps); null values are left out. */
    public static MethodOptions of(Map<String, ?> given) {
        MethodOptions o = empty();
        for (Map.Entry<String, ?> e : given.entrySet()) {
            o = o.with(e.getKey(), e.getValue());
        }
        return o;
    }

    @JsonValue
    public ObjectNode json() {
        return values.deepCopy();
    }

    /** A copy with {@code name} set ({@code null} removes it). */
    public MethodOptions with(String name, Object value) {
        ObjectNode v = values.deepCopy();
        if (value instanceof Number n && !(value instanceof Integer || value instanceof Long)) {
            value = JsonNodeFactory.instance.numberNode(n.doubleValue());
        }
        if (value == null) {
            v.remove(name);
        } else if (value instanceof JsonNode n) {
            v.set(name, n);
        } else if (value instanceof Boolean b) {
            v.put(name, b);
        } else if (value instanceof Integer i) {
            v.put(name, i);
        } else if (value instanceof Long l) {
            v.put(name, l);
        } else if (value instanceof Map<?, ?> m) {
            ObjectNode o = v.putObject(name);
            m.forEach((k, x) -> o.set(String.valueOf(k), empty().with("x", x).values.get("x")));
        } else {
            v.put(name, value.toString());
        }
        return new MethodOptions(v); // canonical: 16.0 and 16 are one value, so configs compare and print alike
    }

    /** This, with every option of {@code over} put over it. */
    public MethodOptions overriddenBy(MethodOptions over) {
        ObjectNode v = values.deepCopy();
        v.setAll(over.values);
        return new MethodOptions(v);
    }

    public boolean has(String name) {
        return values.hasNonNull(name);
    }

    public List<String> names() {
        List<String> out = new ArrayList<>();
        values.fieldNames().forEachRemaining(out::add);
        return out;
    }

    public int intValue(String name, int fallback) {
        JsonNode v = values.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.asInt();
        }
        return parseInt(name, v.asText());
    }

    /** {@code text} as an integer, or one line naming option {@code --name}. */
    public static int parseInt(String name, String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": '" + text + "' is not an integer");
        }
    }

    public double doubleValue(String name, double fallback) {
        JsonNode v = values.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        return parseNumber(name, v.asText());
    }

    /** {@code text} as a finite number, or one line naming option {@code --name}. */
    public static double parseNumber(String name, String text) {
        try {
            double d = Double.parseDouble(text.strip());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": '" + text + "' is not a number");
        }
    }

    public String text(String name, String fallback) {
        JsonNode v = values.get(name);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    public boolean flag(String name) {
        JsonNode v = values.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return switch (v.asText().strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no", "" -> false;
            default -> throw new IllegalArgumentException("--" + name + ": '" + v.asText() + "' is not true or false");
        };
    }

    /** key=value pairs in the given order: a JSON object, or the text {@code k=v,k2=v2}. */
    public Map<String, String> map(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode v = values.get(name);
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isObject()) {
            v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
        for (String pair : v.asText().split(",")) {
            int eq = pair.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--" + name + ": '" + pair + "' is not KEY=VALUE");
            }
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MethodOptions m && m.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
