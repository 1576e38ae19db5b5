package dev.dcft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.ModelFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Rows of a user's table, read one at a time (a file larger than memory streams): CSV as RFC 4180
 * has it (header row; quoted fields holding commas, doubled quotes and newlines), TSV (header row,
 * tab-separated, no quoting, as GLUE's files) or JSONL (one object per line, values keep their JSON
 * types). Input must be UTF-8 (a BOM is dropped); anything else stops with the line it was met on.
 */
public final class TableReader implements Iterator<TableReader.Row>, AutoCloseable {
    /** The file formats, chosen by extension or named. */
    public enum Format {
        CSV, TSV, JSONL;

        public static Format of(String path, String override) {
            if (override != null) {
                return switch (override.toLowerCase(Locale.ROOT)) {
                    case "csv" -> CSV;
                    case "tsv", "tab" -> TSV;
                    case "jsonl", "ndjson", "json" -> JSONL;
                    default -> throw new IllegalArgumentException("unknown --format '" + override + "' (csv, tsv, jsonl)");
                };
            }
            String p = path.toLowerCase(Locale.ROOT);
            if (p.endsWith(".csv")) {
                return CSV;
            }
            if (p.endsWith(".tsv") || p.endsWith(".tab")) {
                return TSV;
            }
            if (p.endsWith(".jsonl") || p.endsWith(".ndjson") || p.endsWith(".json")) {
                return JSONL;
            }
            throw new IllegalArgumentException(path + ": cannot tell the format from the extension; give --format csv, tsv or jsonl");
        }
    }

    /** One row: its first line in the file, and its values by column (strings for CSV/TSV; JSON types for JSONL). */
    public record Row(int line, Map<String, Object> values) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final Path file;
    private final Format format;
    private final BufferedReader in;
    private final List<String> columns;
    private int line;
    private Row next;
    private boolean done;

    private TableReader(String source, Path file, Format format, BufferedReader in) {
        this.source = source;
        this.file = file;
        this.format = format;
        this.in = in;
        this.columns = new ArrayList<>();
        if (format != Format.JSONL) {
            List<String> header = readRecord();
            if (header == null) {
                throw new ModelFormatException(source, "empty file (expected a header row naming the columns)");
            }
            if (!header.isEmpty() && header.get(0).startsWith("\ufeff")) {
                header.set(0, header.get(0).substring(1));
            }
            columns.addAll(header);
        }
        advance();
        if (next == null && format == Format.JSONL) {
            throw new ModelFormatException(source, "empty file (no JSON lines)");
        }
    }

    /** Opens {@code path} ("-" is standard input) in the given format (null: by extension). */
    public static TableReader open(String path, String format) {
        Format f = Format.of(path.equals("-") ? "stdin.jsonl" : path, format);
        try {
            InputStream raw = path.equals("-") ? System.in : Files.newInputStream(Path.of(path));
            Reader r = new InputStreamReader(raw, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
            return new TableReader(path.equals("-") ? "<stdin>" : path, path.equals("-") ? Path.of("stdin") : Path.of(path), f,
                    new BufferedReader(r, 1 << 16));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage());
        }
    }

    public Format format() {
        return format;
    }

    /** The header's columns (CSV, TSV), or the keys of the first object (JSONL). */
    public List<String> columns() {
        return columns;
    }

    public String source() {
        return source;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    /** The next row; a malformed one throws {@link BadRowException} (after which reading goes on). */
    @Override
    public Row next() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        Row r = next;
        advance();
        return r;
    }

    private void advance() {
        next = null;
        while (!done) {
            int start = line + 1;
            List<String> record;
            try {
                record = readRecord();
            } catch (BadRowException e) {
                next = new Row(start, Map.of("\u0000error", "a quoted field is never closed (unbalanced \")"));
                done = true;
                return;
            }
            if (record == null) {
                done = true;
                return;
            }
            if (format == Format.JSONL) {
                String text = record.get(0);
                if (text.isBlank()) {
                    continue;
                }
                next = jsonRow(text, start);
            } else {
                if (record.size() == 1 && record.get(0).isEmpty()) {
                    continue;
                }
                if (record.size() != columns.size()) {
                    next = new Row(start, Map.of("\u0000error", "expected " + columns.size() + " fields (" + String.join(", ", columns)
                            + "), found " + record.size()));
                } else {
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (int i = 0; i < columns.size(); i++) {
                        values.put(columns.get(i), record.get(i));
                    }
                    next = new Row(start, values);
                }
            }
            return;
        }
    }

    /** A row's problem, if reading it failed; rows that failed carry it instead of values. */
    public static String problem(Row row) {
        Object p = row.values().get("\u0000error");
        return p == null ? null : p.toString();
    }

    private Row jsonRow(String text, int start) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException e) {
            return new Row(start, Map.of("\u0000error", "not valid JSON"));
        }
        if (node == null || !node.isObject()) {
            return new Row(start, Map.of("\u0000error", "expected a JSON object"));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> values.put(e.getKey(), value(e.getValue())));
        if (columns.isEmpty()) {
            columns.addAll(values.keySet());
        } else {
            for (String k : values.keySet()) {
                if (!columns.contains(k)) {
                    columns.add(k);
                }
            }
        }
        return new Row(start, values);
    }

    private static Object value(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            n.forEach(x -> out.add(value(x)));
            return out;
        }
        return n.toString();
    }

    /** One record's fields (one line for TSV/JSONL; CSV records may span lines), or null at the end. */
    private List<String> readRecord() {
        try {
            if (format != Format.CSV) {
                String l = in.readLine();
                if (l == null) {
                    return null;
                }
                line++;
                if (line == 1 && l.startsWith("\ufeff")) {
                    l = l.substring(1);
                }
                if (format == Format.JSONL) {
                    List<String> one = new ArrayList<>();
                    one.add(l);
                    return one;
                }
                return new ArrayList<>(List.of(l.split("\t", -1)));
            }
            return csvRecord();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(source, "not UTF-8 text (invalid bytes at or after line " + (line + 1)
                    + "): save the file as UTF-8");
        } catch (IOException e) {
            throw new ModelFormatException(source, "cannot read: " + e.getMessage());
        }
    }

    private List<String> csvRecord() throws IOException {
        int c = in.read();
        if (c == -1) {
            return null;
        }
        line++;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        int startLine = line;
        while (true) {
            if (c == -1) {
                if (quoted) {
                    throw new BadRowException(file, startLine, "a quoted field is never closed (unbalanced \")");
                }
                fields.add(field.toString());
                return fields;
            }
            char ch = (char) c;
            if (quoted) {
                if (ch == '"') {
                    in.mark(1);
                    int d = in.read();
                    if (d == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        if (d != -1) {
                            in.reset();
                        }
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    field.append(ch);
                }
            } else if (ch == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r') {
                    in.mark(1);
                    if (in.read() != '\n') {
                        in.reset();
                    }
                }
                fields.add(field.toString());
                return fields;
            } else {
                field.append(ch);
            }
            c = in.read();
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // Read-only: nothing is lost.
        }
    }
}
