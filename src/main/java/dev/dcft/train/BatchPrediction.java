package dev.dcft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.data.BadRowException;
import dev.dcft.data.TableReader;
import dev.dcft.data.TaskSpec;
import dev.dcft.data.UserData;
import dev.dcft.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Labels every row of a file and writes one output line per input row, in input order, as JSONL
 * ({@code {"label", "score", "probabilities"}}; multi-label adds {@code "labels"}; regression
 * {@code {"score"}}) or CSV ({@code label,score,p(<name>)...}). Rows stream through in chunks, so a
 * file larger than memory works. A file output appears only when complete (temp file, then rename);
 * "-" reads standard input or writes standard output.
 */
public final class BatchPrediction {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows read before predicting: 16 batches, the window {@link Predictor#predict} sorts by length (memory stays bounded). */
    private static final int CHUNK = 16 * Predictor.BATCH;

    /** What to read and where to write. {@code outputFormat} null: by the output's extension (JSONL for "-"). */
    public record Options(String input, String format, String textColumn, String textPairColumn, String output, String outputFormat,
            boolean skipBadRows) {
    }

    /** Rows labelled and rows skipped as malformed. */
    public record Counts(long rows, long skipped) {
    }

    private BatchPrediction() {
    }

    public static Counts run(Predictor predictor, Options o, OutputStream stdout) throws IOException {
        String outFormat = o.outputFormat() != null ? o.outputFormat().toLowerCase(Locale.ROOT)
                : o.output().equals("-") || !o.output().toLowerCase(Locale.ROOT).endsWith(".csv") ? "jsonl" : "csv";
        if (!outFormat.equals("jsonl") && !outFormat.equals("csv")) {
            throw new IllegalArgumentException("unknown --output-format '" + o.outputFormat() + "' (jsonl, csv)");
        }
        try (TableReader reader = TableReader.open(o.input(), o.format())) {
            UserData.Columns cols = UserData.Columns.forPrediction(reader.columns(), o.textColumn(), o.textPairColumn(), reader.source());
            if (predictor.task().pairs() && cols.pair() == null) {
                throw new IllegalArgumentException(predictor.task().name() + " labels text pairs: name the second text with --text-pair-column"
                        + " (columns: " + String.join(", ", reader.columns()) + ")");
            }
            Counts[] counts = {null};
            if (o.output().equals("-")) {
                Writer w = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
                counts[0] = stream(predictor, reader, cols, o.skipBadRows(), outFormat, w);
                w.flush();
            } else {
                AtomicFiles.write(Path.of(o.output()), out -> {
                    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                    counts[0] = stream(predictor, reader, cols, o.skipBadRows(), outFormat, w);
                    w.flush();
                });
            }
            return counts[0];
        }
    }

    private static Counts stream(Predictor predictor, TableReader reader, UserData.Columns cols, boolean skipBad, String format, Writer w)
            throws IOException {
        TaskSpec task = predictor.task();
        if (format.equals("csv")) {
            w.write(csvHeader(task));
        }
        long rows = 0;
        long skipped = 0;
        Path file = Path.of(reader.source());
        List<Predictor.Input> chunk = new ArrayList<>();
        while (reader.hasNext() || !chunk.isEmpty()) {
            if (reader.hasNext()) {
                TableReader.Row row = reader.next();
                try {
                    String problem = TableReader.problem(row);
                    if (problem != null) {
                        throw new BadRowException(file, row.line(), problem);
                    }
                    Object a = row.values().get(cols.text());
                    if (a == null) {
                        throw new BadRowException(file, row.line(), "no value in column '" + cols.text() + "'");
                    }
                    Object b = cols.pair() == null ? null : row.values().get(cols.pair());
                    chunk.add(new Predictor.Input(a.toString(), b == null ? null : b.toString()));
                } catch (BadRowException e) {
                    if (!skipBad) {
                        throw e;
                    }
                    skipped++;
                }
                if (chunk.size() < CHUNK && reader.hasNext()) {
                    continue;
                }
            }
            for (Predictor.Prediction p : predictor.predict(chunk)) {
                w.write(format.equals("csv") ? csvLine(task, p) : jsonLine(task, p));
                rows++;
            }
            chunk.clear();
        }
        return new Counts(rows, skipped);
    }

    /** One JSONL line: the object {@code dcft predict --output} and the Java API give for a prediction. */
    public static String jsonLine(TaskSpec task, Predictor.Prediction p) throws IOException {
        return JSON.writeValueAsString(json(task, p)) + "\n";
    }

    public static ObjectNode json(TaskSpec task, Predictor.Prediction p) {
        ObjectNode o = JSON.createObjectNode();
        if (task.isRegression()) {
            o.put("score", p.score());
            return o;
        }
        o.put("label", p.label());
        o.put("score", p.score());
        if (task.isMultiLabel()) {
            o.putPOJO("labels", p.labels());
        }
        ObjectNode probs = o.putObject("probabilities");
        for (Map.Entry<String, Double> e : p.probabilities().entrySet()) {
            probs.put(e.getKey(), e.getValue());
        }
        return o;
    }

    private static String csvHeader(TaskSpec task) {
        if (task.isRegression()) {
            return "score\n";
        }
        StringBuilder sb = new StringBuilder(task.isMultiLabel() ? "label,score,labels" : "label,score");
        for (String l : task.labels()) {
            sb.append(',').append(csv("p(" + l + ")"));
        }
        return sb.append('\n').toString();
    }

    private static String csvLine(TaskSpec task, Predictor.Prediction p) {
        if (task.isRegression()) {
            return p.score() + "\n";
        }
        StringBuilder sb = new StringBuilder(csv(p.label())).append(',').append(p.score());
        if (task.isMultiLabel()) {
            sb.append(',').append(csv(String.join("|", p.labels())));
        }
        for (String l : task.labels()) {
            sb.append(',').append(p.probabilities().get(l));
        }
        return sb.append('\n').toString();
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
