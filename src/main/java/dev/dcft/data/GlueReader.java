package dev.dcft.data;

import dev.dcft.io.ModelFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a GLUE TSV as the original files are: UTF-8, tab-separated, no quoting at all (many
 * sentences have unbalanced quotes), a BOM on MRPC's header, no header in CoLA. Columns are
 * found by header name, so MNLI's dev files with their extra label columns read the same way.
 */
public final class GlueReader {
    private GlueReader() {
    }

    /** What was read and how many malformed rows were skipped. */
    public record Result(List<Example> examples, int skipped) {
    }

    public static Result read(Path file, GlueTask task, boolean skipBadRows) {
        List<Example> out = new ArrayList<>();
        int skipped = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            int width = 4;
            int ia = 3;
            int ib = -1;
            int il = 1;
            if (task.hasHeader) {
                String header = r.readLine();
                lineNo++;
                if (header == null) {
                    throw new ModelFormatException(file, "empty file (expected a header row)");
                }
                if (header.startsWith("\ufeff")) {
                    header = header.substring(1);
                }
                List<String> names = Arrays.asList(header.split("\t", -1));
                GlueTask.Columns c = task.columns();
                width = names.size();
                ia = indexOf(names, c.a(), file);
                ib = c.b() == null ? -1 : indexOf(names, c.b(), file);
                il = indexOf(names, c.label(), file);
            }
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    out.add(parse(file, lineNo, line, task, width, ia, ib, il));
                } catch (BadRowException e) {
                    if (!skipBadRows) {
                        throw e;
                    }
                    skipped++;
                }
            }
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage());
        }
        return new Result(out, skipped);
    }

    private static int indexOf(List<String> names, String name, Path file) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new ModelFormatException(file, "header has no '" + name + "' column (found: " + String.join(", ", names) + ")");
        }
        return i;
    }

    private static Example parse(Path file, int lineNo, String line, GlueTask task, int width, int ia, int ib, int il) {
        String[] cols = line.split("\t", -1);
        if (cols.length != width) {
            throw new BadRowException(file, lineNo, "expected " + width + " tab-separated columns, found " + cols.length);
        }
        String a = cols[ia];
        String b = ib < 0 ? null : cols[ib];
        String rawLabel = cols[il].trim();
        if (task.isRegression()) {
            float score;
            try {
                score = Float.parseFloat(rawLabel);
            } catch (NumberFormatException e) {
                throw new BadRowException(file, lineNo, "unparsable score '" + rawLabel + "'");
            }
            if (!Float.isFinite(score)) {
                throw new BadRowException(file, lineNo, "score '" + rawLabel + "' is not finite");
            }
            return new Example(a, b, -1, score, lineNo);
        }
        int label = task.labels.indexOf(rawLabel);
        if (label < 0) {
            throw new BadRowException(file, lineNo, "unknown label '" + rawLabel + "' (expected one of " + task.labels + ")");
        }
        return new Example(a, b, label, Float.NaN, lineNo);
    }
}
