package dev.dcft.data;

import dev.dcft.io.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The user's own labelled files (CSV, TSV, JSONL) as a task: columns found by name (defaults
 * {@code text} or {@code sentence}, and {@code label}), the task type inferred from the training
 * labels unless given, label names in sorted order (as Hugging Face's run_glue sorts them), and a
 * seeded, stratified 10% dev split when no dev file is given.
 */
public final class UserData {
    /** Where the data is and how to read it. {@code taskType} null: inferred. {@code devFile} null: split. */
    public record Options(String trainFile, String devFile, String format, String textColumn, String textPairColumn,
            String labelColumn, TaskType taskType, boolean skipBadRows, double devFraction, long seed) {
    }

    /** The task and its examples; {@code notes} say what was inferred or decided (printed to the user). */
    public record Loaded(TaskSpec spec, List<Example> train, List<Example> dev, int skipped, List<String> notes,
            String textColumn, String textPairColumn, String labelColumn) {
    }

    private static final List<String> TEXT_DEFAULTS = List.of("text", "sentence", "sentence1", "question");
    private static final List<String> PAIR_DEFAULTS = List.of("text_pair", "sentence2");
    private static final List<String> LABEL_DEFAULTS = List.of("label", "labels", "score");

    private UserData() {
    }

    private record Raw(int line, String a, String b, Object label) {
    }

    public static Loaded load(Options o) {
        List<String> notes = new ArrayList<>();
        int[] skipped = {0};
        Columns cols;
        List<Raw> trainRaw;
        try (TableReader r = TableReader.open(o.trainFile(), o.format())) {
            cols = Columns.resolve(r.columns(), o, r.source());
            trainRaw = rows(r, cols, o.skipBadRows(), skipped, true);
        }
        if (trainRaw.isEmpty()) {
            throw new ModelFormatException(o.trainFile(), "no usable rows (empty file, or every row was skipped)");
        }
        TaskType type = o.taskType() != null ? o.taskType() : infer(trainRaw, o.trainFile());
        notes.add("task type: " + type.cliName() + (o.taskType() != null ? " (given)" : " (inferred from the '" + cols.label + "' column)"));
        List<String> labels = type == TaskType.REGRESSION ? List.of() : labelNames(trainRaw, type);
        if (type == TaskType.CLASSIFICATION && labels.size() < 2) {
            throw new ModelFormatException(o.trainFile(), "only one label value (" + labels + ") in column '" + cols.label
                    + "': a classifier needs at least two");
        }
        List<Example> train = new ArrayList<>();
        for (Raw raw : trainRaw) {
            train.add(example(raw, type, labels, o.trainFile()));
        }
        List<Example> dev = new ArrayList<>();
        if (o.devFile() != null) {
            try (TableReader r = TableReader.open(o.devFile(), o.format())) {
                Columns devCols = Columns.resolve(r.columns(), new Options(o.devFile(), null, o.format(), cols.text, cols.pair, cols.label,
                        type, o.skipBadRows(), 0, 0), r.source());
                for (Raw raw : rows(r, devCols, o.skipBadRows(), skipped, false)) {
                    dev.add(example(raw, type, labels, o.devFile()));
                }
            }
            if (dev.isEmpty()) {
                throw new ModelFormatException(o.devFile(), "no usable rows");
            }
        } else {
            List<List<Example>> split = split(train, type, o.devFraction(), o.seed());
            train = split.get(0);
            dev = split.get(1);
            notes.add(String.format("no --dev: a seeded (%d), %s %.0f%% of %s held out as dev (%d train / %d dev)", o.seed(),
                    type == TaskType.CLASSIFICATION ? "stratified" : "random", o.devFraction() * 100, o.trainFile(), train.size(), dev.size()));
        }
        if (type != TaskType.REGRESSION) {
            notes.add("labels: " + String.join(", ", labels));
        }
        String name = Path.of(o.trainFile()).getFileName().toString();
        return new Loaded(TaskSpec.custom(name, type, labels, cols.pair != null), train, dev, skipped[0], notes, cols.text, cols.pair, cols.label);
    }

    /** The text columns of a table for prediction (the label column is not needed). */
    public record Columns(String text, String pair, String label) {
        static Columns resolve(List<String> available, Options o, String source) {
            String text = pick(available, o.textColumn(), TEXT_DEFAULTS, "text", source, "--text-column");
            String pair = o.textPairColumn() != null ? pick(available, o.textPairColumn(), List.of(), "text pair", source, "--text-pair-column")
                    : (text.equals("sentence1") && available.contains("sentence2") ? "sentence2" : null);
            String label = pick(available, o.labelColumn(), LABEL_DEFAULTS, "label", source, "--label-column");
            return new Columns(text, pair, label);
        }

        /** The input columns for prediction: text (and pair) only. */
        public static Columns forPrediction(List<String> available, String textColumn, String pairColumn, String source) {
            String text = pick(available, textColumn, TEXT_DEFAULTS, "text", source, "--text-column");
            String pair = pairColumn != null ? pick(available, pairColumn, List.of(), "text pair", source, "--text-pair-column") : null;
            return new Columns(text, pair, null);
        }

        private static String pick(List<String> available, String requested, List<String> defaults, String what, String source, String option) {
            if (requested != null) {
                if (!available.contains(requested)) {
                    throw new ModelFormatException(source, "no column '" + requested + "' (" + option + "); the columns are: "
                            + String.join(", ", available));
                }
                return requested;
            }
            for (String d : defaults) {
                if (available.contains(d)) {
                    return d;
                }
            }
            throw new ModelFormatException(source, "no " + what + " column (looked for " + String.join(", ", defaults)
                    + "); name it with " + option + "; the columns are: " + String.join(", ", available));
        }
    }

    private static List<Raw> rows(TableReader r, Columns c, boolean skipBad, int[] skipped, boolean needLabel) {
        List<Raw> out = new ArrayList<>();
        Path file = Path.of(r.source());
        while (r.hasNext()) {
            TableReader.Row row = r.next();
            try {
                String problem = TableReader.problem(row);
                if (problem != null) {
                    throw new BadRowException(file, row.line(), problem);
                }
                Object a = row.values().get(c.text);
                if (a == null || a.toString().isBlank()) {
                    throw new BadRowException(file, row.line(), "empty text in column '" + c.text + "'");
                }
                Object b = c.pair == null ? null : row.values().get(c.pair);
                if (c.pair != null && (b == null || b.toString().isBlank())) {
                    throw new BadRowException(file, row.line(), "empty text in column '" + c.pair + "'");
                }
                Object label = row.values().get(c.label);
                if (needLabel && (label == null || label.toString().isBlank())) {
                    throw new BadRowException(file, row.line(), "no label in column '" + c.label + "'");
                }
                out.add(new Raw(row.line(), a.toString(), b == null ? null : b.toString(), label));
            } catch (BadRowException e) {
                if (!skipBad) {
                    throw e;
                }
                skipped[0]++;
            }
        }
        return out;
    }

    /** Strings or integers: classification; fractional numbers: regression; lists: multi-label. */
    static TaskType infer(List<Raw> rows, String file) {
        boolean lists = false;
        boolean strings = false;
        boolean jsonNumbers = false;
        boolean fractional = false;
        boolean words = false;
        boolean wordStrings = false;
        for (Raw r : rows) {
            Object v = r.label();
            if (v instanceof List<?>) {
                lists = true;
            } else if (v instanceof Long) {
                jsonNumbers = true;
            } else if (v instanceof Double d) {
                jsonNumbers = true;
                fractional |= d != Math.rint(d);
            } else if (v instanceof String s) {
                strings = true;
                Double d = number(s);
                if (d == null) {
                    words = true;
                    wordStrings = true;
                } else {
                    fractional |= d != Math.rint(d) || s.contains(".");
                }
            } else {
                words = true;
            }
        }
        if (lists && (jsonNumbers || strings || words)) {
            throw new ModelFormatException(file, "mixed label types: some labels are lists, others single values");
        }
        if (lists) {
            return TaskType.MULTI_LABEL;
        }
        if (fractional && words) {
            throw new ModelFormatException(file, "mixed label types: some labels are fractional numbers, others words"
                    + " (give --task-type to decide)");
        }
        if (jsonNumbers && wordStrings) {
            throw new ModelFormatException(file, "mixed label types: some labels are JSON numbers, others strings");
        }
        return fractional ? TaskType.REGRESSION : TaskType.CLASSIFICATION;
    }

    private static Double number(String s) {
        try {
            double d = Double.parseDouble(s.strip());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> values(Object label, TaskType type) {
        if (label instanceof List<?> l) {
            return l.stream().map(UserData::scalar).toList();
        }
        if (type == TaskType.MULTI_LABEL && label != null) {
            String s = label.toString().strip();
            return s.isEmpty() ? List.of() : List.of(s.split("\\s*\\|\\s*"));
        }
        return List.of(scalar(label));
    }

    /** A label value as its name: integers without ".0", strings stripped. */
    private static String scalar(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return v == null ? "" : v.toString().strip();
    }

    /** Sorted label names: numerically when all are integers, else as strings. */
    static List<String> labelNames(List<Raw> rows, TaskType type) {
        TreeSet<String> names = new TreeSet<>();
        for (Raw r : rows) {
            names.addAll(values(r.label(), type));
        }
        List<String> out = new ArrayList<>(names);
        if (out.stream().allMatch(s -> s.matches("-?\\d{1,15}"))) {
            out.sort(Comparator.comparingLong(Long::parseLong));
        }
        return out;
    }

    private static Example example(Raw r, TaskType type, List<String> labels, String file) {
        switch (type) {
            case REGRESSION -> {
                Double d = r.label() instanceof Number n ? Double.valueOf(n.doubleValue()) : number(r.label().toString());
                if (d == null) {
                    throw new BadRowException(Path.of(file), r.line(), "label '" + r.label() + "' is not a number (regression)");
                }
                return new Example(r.a(), r.b(), 0, d.floatValue(), r.line());
            }
            case MULTI_LABEL -> {
                List<String> names = values(r.label(), type);
                int[] set = new int[names.size()];
                for (int i = 0; i < set.length; i++) {
                    set[i] = index(labels, names.get(i), file, r.line());
                }
                return new Example(r.a(), r.b(), 0, 0, r.line(), set);
            }
            default -> {
                return new Example(r.a(), r.b(), index(labels, scalar(r.label()), file, r.line()), 0, r.line());
            }
        }
    }

    private static int index(List<String> labels, String name, String file, int line) {
        int i = labels.indexOf(name);
        if (i < 0) {
            throw new ModelFormatException(file + ":" + line + ": label '" + name + "' never appears in the training file"
                    + " (its labels: " + String.join(", ", labels) + ")");
        }
        return i;
    }

    /** Train/dev split: per label for classification (stratified), else over all rows; at least one dev row per label. */
    static List<List<Example>> split(List<Example> all, TaskType type, double fraction, long seed) {
        Holdout.Split split = Holdout.split(all, type, fraction, seed);
        if (split.heldOut().isEmpty() || split.train().isEmpty()) {
            throw new IllegalArgumentException("too few rows (" + all.size() + ") to hold out a dev split: give --dev");
        }
        return List.of(split.train(), split.heldOut());
    }
}
