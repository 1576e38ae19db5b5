package dev.dcft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Rebuilds an experiment's tables ({@code report.md}) and chart ({@code chart.png}: mean dev score
 * per task and method with one-standard-deviation error bars) from the run summaries alone. Scores
 * are the final evaluation's (as Hugging Face's run_glue reports), x100: accuracy, Matthews
 * correlation (CoLA), the mean of accuracy and F1 (MRPC) or of Pearson and Spearman (STS-B); the
 * average is over the tasks a method has runs on. Runs with a tag (a learning-rate sweep, an ablation)
 * get their own table.
 */
public final class ExperimentReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Published scores to print beside ours, kept beside the summaries. */
    public static final String REFERENCES = "references.json";

    private ExperimentReport() {
    }

    /** Mean and sample standard deviation (NaN for one value). */
    record MeanSd(double mean, double sd, int n) {
        static MeanSd of(List<Double> v) {
            double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
            return new MeanSd(m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : Double.NaN, v.size());
        }

        String text() {
            return Double.isNaN(sd) ? String.format(Locale.ROOT, "%.2f (n=%d)", mean, n)
                    : String.format(Locale.ROOT, "%.2f ± %.2f (n=%d)", mean, sd, n);
        }
    }

    public static List<JsonNode> read(Path summaries) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(summaries)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().equals(REFERENCES)).sorted().toList()) {
                out.add(JSON.readTree(p.toFile()));
            }
        }
        return out;
    }

    /** Writes report.md and chart.png into {@code out}; returns the markdown. */
    public static String write(Path summaries, Path out) throws IOException {
        return write(summaries, out, null);
    }

    /**
     * As {@link #write(Path, Path)}, and where {@code grid} is given, ends with the runs it plans that have no summary yet
     * (what a stopped budget left out), by stage in the order the driver would run them.
     */
    public static String write(Path summaries, Path out, Grid grid) throws IOException {
        List<JsonNode> all = read(summaries);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no run summaries (*.json) in " + summaries);
        }
        Files.createDirectories(out);
        List<JsonNode> main = all.stream().filter(n -> n.path("tag").asText("").isEmpty()).toList();
        Set<String> tasks = new LinkedHashSet<>();
        Set<String> methods = new LinkedHashSet<>();
        main.forEach(n -> {
            tasks.add(n.get("task").asText());
            methods.add(n.get("method").asText());
        });
        Map<String, Map<String, List<JsonNode>>> cells = new LinkedHashMap<>();
        for (JsonNode n : main) {
            cells.computeIfAbsent(n.get("method").asText(), k -> new LinkedHashMap<>()).computeIfAbsent(n.get("task").asText(), k -> new ArrayList<>()).add(n);
        }
        StringBuilder md = new StringBuilder();
        JsonNode first = all.get(0);
        md.append("# ").append(first.path("grid").asText("experiment")).append(": ").append(first.path("model").asText()).append("\n\n");
        md.append("Rebuilt by `dcft experiment report` from ").append(all.size()).append(" run summaries. Dev scores x100 at the end of"
                + " training (mean ± sample sd over seeds, n seeds); best-during-training in the details table.\n\n");
        if (!main.isEmpty()) {
            tableHeader(md, "| method | trainable | precision |", "|---|---:|---|", tasks);
            for (String m : methods) {
                Map<String, List<JsonNode>> byTask = cells.get(m);
                md.append("| ").append(m).append(" | ").append(trainable(byTask)).append(" | ").append(precisions(byTask)).append(" |");
                List<Double> taskMeans = new ArrayList<>();
                for (String t : tasks) {
                    List<JsonNode> runs = byTask.getOrDefault(t, List.of());
                    if (runs.isEmpty()) {
                        md.append(" - |");
                        continue;
                    }
                    MeanSd s = MeanSd.of(runs.stream().map(r -> score(r, "final")).toList());
                    taskMeans.add(s.mean());
                    md.append(' ').append(s.text()).append(" |");
                }
                md.append(averageCell(taskMeans, tasks.size()));
            }
            references(summaries.resolve(REFERENCES), tasks, md);
            comparisons(tasks, methods, cells, md);
            md.append("\nDetails:\n\n| task | method | seeds | metrics at the end (mean ± sd) | best score | steps | wall hours | tokens/s |\n");
            md.append("|---|---|---|---|---:|---:|---:|---:|\n");
            double totalWall = 0;
            for (String t : tasks) {
                for (String m : methods) {
                    List<JsonNode> runs = cells.get(m).getOrDefault(t, List.of());
                    if (runs.isEmpty()) {
                        continue;
                    }
                    Map<String, List<Double>> metrics = new TreeMap<>();
                    for (JsonNode r : runs) {
                        r.get("final").fields().forEachRemaining(e -> {
                            if (!e.getKey().equals("step") && !e.getKey().equals("score")) {
                                metrics.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asDouble() * 100);
                            }
                        });
                    }
                    StringBuilder ms = new StringBuilder();
                    metrics.forEach((k, v) -> ms.append(ms.length() == 0 ? "" : ", ").append(k).append(' ').append(MeanSd.of(v).text().replace(" (n=" + v.size() + ")", "")));
                    double wall = runs.stream().mapToDouble(r -> r.path("wall_seconds").asDouble()).sum() / 3600;
                    totalWall += wall;
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %.2f | %.0f |%n", t, m,
                            String.join(",", runs.stream().map(r -> r.get("seed").asText()).toList()), ms,
                            MeanSd.of(runs.stream().map(r -> score(r, "best")).toList()).text(), runs.get(0).path("steps").asInt(), wall,
                            runs.stream().mapToDouble(r -> r.path("tokens_per_second").asDouble()).average().orElse(0)));
                }
            }
            md.append(String.format(Locale.ROOT, "%nSum of these runs' wall times: %.2f hours (runs that ran side by side overlap: elapsed time is less).%n", totalWall));
            chart(out.resolve("chart.png"), tasks, methods, cells);
            parametersChart(out.resolve("params.png"), tasks, methods, cells);
        }
        List<JsonNode> tagged = all.stream().filter(n -> !n.path("tag").asText("").isEmpty()).toList();
        selection(tagged.stream().filter(n -> n.path("evaluated_on").asText("dev").equals("holdout")).toList(), md);
        if (!tagged.isEmpty()) {
            md.append("\nTagged runs (sweeps, ablations):\n\n| run | stage | lr | warmup | score at the end | best score | wall hours |\n"
                    + "|---|---|---:|---|---:|---:|---:|\n");
            for (JsonNode n : tagged) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.2f | %.2f |%n", n.get("id").asText(), n.path("stage").asText(),
                        n.path("recipe").path("lr").asText(), warmup(n.path("recipe")), score(n, "final"), score(n, "best"),
                        n.path("wall_seconds").asDouble() / 3600));
            }
            // Summaries written since the head's rate and the holdout exist say more about the same runs.
            List<JsonNode> detailed = tagged.stream().filter(n -> n.has("evaluated_on")).toList();
            if (!detailed.isEmpty()) {
                md.append("\nThe same runs' head rate, evaluation set and one-class evaluations (every prediction the same label):\n\n"
                        + "| run | head lr | evaluated on | one-class evaluations | evaluations (step: score x100) |\n|---|---:|---|---:|---|\n");
                for (JsonNode n : detailed) {
                    StringBuilder h = new StringBuilder();
                    n.path("history").forEach(e -> h.append(h.length() == 0 ? "" : ", ").append(e.path("step").asInt()).append(": ")
                            .append(String.format(Locale.ROOT, "%.2f", e.path("score").asDouble() * 100)));
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d of %d | %s |%n", n.get("id").asText(), headLr(n.path("recipe")),
                            n.path("evaluated_on").asText(), n.path("one_class_evaluations").asInt(), n.path("history").size(), h));
                }
            }
        }
        if (grid != null) {
            notRun(grid, all, md);
        }
        AtomicFiles.writeString(out.resolve("report.md"), md.toString());
        return md.toString();
    }

    /** The head's rate: its own, or the adapter's where the run gave none. */
    static String headLr(JsonNode recipe) {
        JsonNode h = recipe.get("headLr");
        return h == null || h.isNull() ? recipe.path("lr").asText() + " (= lr)" : h.asText();
    }

    /**
     * The selection table: runs evaluated on a held-out slice of train (never the dev set), one row
     * per method and configuration (adapter lr, head lr), holdout score x100 at the end of training
     * per task and their mean. Per method, the configuration with the best mean among those run on
     * every task of the table is marked selected; a configuration missing a task is marked partial.
     */
    static void selection(List<JsonNode> runs, StringBuilder md) {
        if (runs.isEmpty()) {
            return;
        }
        Set<String> tasks = new LinkedHashSet<>();
        Map<String, Map<String, Map<String, JsonNode>>> byMethod = new LinkedHashMap<>();
        for (JsonNode n : runs) {
            tasks.add(n.path("task").asText());
            String config = "lr " + n.path("recipe").path("lr").asText() + ", head " + headLr(n.path("recipe"));
            byMethod.computeIfAbsent(n.path("method").asText(), k -> new LinkedHashMap<>()).computeIfAbsent(config, k -> new LinkedHashMap<>())
                    .put(n.path("task").asText(), n);
        }
        md.append("\nSelection on a held-out slice of train (scores x100 at the end of training; the dev set is not read):\n\n");
        md.append("| method | configuration |");
        tasks.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append(" average | selected |\n|---|---|");
        tasks.forEach(t -> md.append("---:|"));
        md.append("---:|---|\n");
        for (Map.Entry<String, Map<String, Map<String, JsonNode>>> m : byMethod.entrySet()) {
            String best = null;
            double bestMean = Double.NEGATIVE_INFINITY;
            for (Map.Entry<String, Map<String, JsonNode>> c : m.getValue().entrySet()) {
                if (c.getValue().size() == tasks.size()) {
                    double mean = c.getValue().values().stream().mapToDouble(n -> score(n, "final")).average().orElse(Double.NaN);
                    if (mean > bestMean) {
                        bestMean = mean;
                        best = c.getKey();
                    }
                }
            }
            for (Map.Entry<String, Map<String, JsonNode>> c : m.getValue().entrySet()) {
                md.append("| ").append(m.getKey()).append(" | ").append(c.getKey()).append(" |");
                List<Double> have = new ArrayList<>();
                for (String t : tasks) {
                    JsonNode n = c.getValue().get(t);
                    if (n == null) {
                        md.append(" - |");
                    } else {
                        have.add(score(n, "final"));
                        md.append(String.format(Locale.ROOT, " %.2f%s |", score(n, "final"),
                                n.path("one_class_evaluations").asInt(0) > 0 ? " (one class at " + n.get("one_class_evaluations").asInt() + ")" : ""));
                    }
                }
                String avg = averageCell(have, tasks.size());
                md.append(avg, 0, avg.length() - 1);
                md.append(c.getKey().equals(best) ? " **selected** |" : c.getValue().size() < tasks.size() ? " partial |" : " |").append('\n');
            }
        }
    }

    /** The recipe's warmup as the trainer applies it: explicit steps win over a ratio. */
    static String warmup(JsonNode recipe) {
        int steps = recipe.path("warmupSteps").asInt(0);
        double ratio = recipe.path("warmupRatio").asDouble(0);
        return steps > 0 ? steps + " steps" : ratio > 0 ? String.format(Locale.ROOT, "%.0f%%", ratio * 100) : "none";
    }

    /**
     * Published rows from {@code references.json} beside the summaries ({"note": ..., "rows": [{"label", "trainable",
     * "scores": {task: score x100}}]}): other backbones or recipes, printed under our rows and never mixed into them.
     */
    private static void references(Path file, Set<String> tasks, StringBuilder md) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode refs = JSON.readTree(file.toFile());
        md.append("\nPublished, for reference (other backbones or recipes; not run here): ").append(refs.path("note").asText("")).append("\n\n");
        tableHeader(md, "| row | trainable |", "|---|---:|", tasks);
        for (JsonNode row : refs.path("rows")) {
            md.append("| ").append(row.path("label").asText()).append(" | ").append(row.path("trainable").asText()).append(" |");
            List<Double> have = new ArrayList<>();
            for (String t : tasks) {
                JsonNode v = row.path("scores").path(t);
                if (v.isNumber()) {
                    have.add(v.asDouble());
                    md.append(String.format(Locale.ROOT, " %.2f |", v.asDouble()));
                } else {
                    md.append(" - |");
                }
            }
            md.append(averageCell(have, tasks.size()));
        }
    }

    private static void notRun(Grid grid, List<JsonNode> all, StringBuilder md) {
        Set<String> have = new HashSet<>();
        all.forEach(n -> have.add(n.path("id").asText()));
        List<Grid.Run> planned = grid.runs();
        Map<Grid.Stage, List<String>> missing = new LinkedHashMap<>();
        for (Grid.Run r : planned) {
            if (!have.contains(r.id())) {
                missing.computeIfAbsent(r.stage(), k -> new ArrayList<>()).add(r.id());
            }
        }
        int count = missing.values().stream().mapToInt(List::size).sum();
        md.append(String.format(Locale.ROOT, "%nNot run yet (no summary): %d of the %d runs grid '%s' plans.%n", count, planned.size(), grid.name()));
        if (count > 0) {
            md.append("\n| priority | stage | runs |\n|---:|---|---|\n");
            missing.forEach((stage, ids) -> md.append("| ").append(stage.priority()).append(" | ").append(stage.name()).append(" | ")
                    .append(String.join(", ", ids)).append(" |\n"));
        }
    }

    /** Header of a table with one column per task and an average column (our rows and the published rows share it). */
    private static void tableHeader(StringBuilder md, String leading, String leadingAlign, Set<String> tasks) {
        md.append(leading);
        tasks.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append(" average |\n").append(leadingAlign);
        tasks.forEach(t -> md.append("---:|"));
        md.append("---:|\n");
    }

    /** The GLUE-style average over the tasks a row has, saying how many when some are missing; ends the row. */
    private static String averageCell(List<Double> scores, int taskCount) {
        return String.format(Locale.ROOT, " %.2f%s |%n", scores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                scores.size() < taskCount ? " (" + scores.size() + (scores.size() == 1 ? " task)" : " tasks)") : "");
    }

    /**
     * Every pair of methods with at least two seeds each on a task: the difference of their means, called a
     * difference only where it exceeds the sum of the two sample standard deviations, else "within noise".
     */
    static void comparisons(Set<String> tasks, Set<String> methods, Map<String, Map<String, List<JsonNode>>> cells, StringBuilder md) {
        List<String> lines = new ArrayList<>();
        List<String> ms = new ArrayList<>(methods);
        for (String t : tasks) {
            for (int i = 0; i < ms.size(); i++) {
                for (int j = i + 1; j < ms.size(); j++) {
                    List<JsonNode> a = cells.get(ms.get(i)).getOrDefault(t, List.of());
                    List<JsonNode> b = cells.get(ms.get(j)).getOrDefault(t, List.of());
                    if (a.size() < 2 || b.size() < 2) {
                        continue;
                    }
                    MeanSd x = MeanSd.of(a.stream().map(r -> score(r, "final")).toList());
                    MeanSd y = MeanSd.of(b.stream().map(r -> score(r, "final")).toList());
                    double diff = x.mean() - y.mean();
                    double spread = x.sd() + y.sd();
                    String verdict = Math.abs(diff) > spread
                            ? (diff > 0 ? ms.get(i) : ms.get(j)) + " higher, beyond the seeds' spread"
                            : "within noise";
                    lines.add(String.format(Locale.ROOT, "| %s | %s - %s | %+.2f | %.2f | %s |", t, ms.get(i), ms.get(j), diff, spread, verdict));
                }
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        md.append("\nComparisons (methods with two or more seeds on a task; a difference counts only where it exceeds the sum of the"
                + " two standard deviations):\n\n| task | pair | difference of means | sd + sd | verdict |\n|---|---|---:|---:|---|\n");
        lines.forEach(l -> md.append(l).append('\n'));
    }

    /** One count, or the range where tasks differ (a regression head has one output where a classifier has two). */
    private static String trainable(Map<String, List<JsonNode>> byTask) {
        LongSummaryStatistics n = byTask.values().stream().flatMap(List::stream).mapToLong(r -> r.path("trainable_params").asLong())
                .summaryStatistics();
        return n.getMin() == n.getMax() ? String.format(Locale.ROOT, "%,d", n.getMax())
                : String.format(Locale.ROOT, "%,d-%,d", n.getMin(), n.getMax());
    }

    private static String precisions(Map<String, List<JsonNode>> byTask) {
        Set<String> p = new LinkedHashSet<>();
        byTask.values().forEach(l -> l.forEach(n -> p.add(n.path("precision").asText("fp32"))));
        return String.join("+", p);
    }

    static double score(JsonNode run, String which) {
        return run.path(which).path("score").asDouble(Double.NaN) * 100;
    }

    /**
     * Trainable numbers (log scale) against the average score over the tasks, one point per method
     * run on every task of the table: the parameters-versus-score picture (SPEC's claim is a point
     * left of LoRA's at its height).
     */
    static void parametersChart(Path png, Set<String> tasks, Set<String> methods, Map<String, Map<String, List<JsonNode>>> cells)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        org.knowm.xchart.XYChart c = new org.knowm.xchart.XYChartBuilder().width(700).height(500)
                .title("average score over " + tasks.size() + " tasks against trainable numbers").xAxisTitle("trainable numbers (log scale)")
                .yAxisTitle("average score x100").build();
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(10);
        int points = 0;
        for (String m : methods) {
            Map<String, List<JsonNode>> byTask = cells.get(m);
            if (!byTask.keySet().containsAll(tasks)) {
                continue;
            }
            double avg = tasks.stream().mapToDouble(t -> MeanSd.of(byTask.get(t).stream().map(r -> score(r, "final")).toList()).mean())
                    .average().orElse(Double.NaN);
            double trainable = byTask.values().stream().flatMap(List::stream).mapToLong(r -> r.path("trainable_params").asLong()).max()
                    .orElse(0);
            c.addSeries(m, new double[] {trainable}, new double[] {avg});
            points++;
        }
        if (points == 0) {
            return;
        }
        savePng(c, png);
    }

    private static void chart(Path png, Set<String> tasks, Set<String> methods, Map<String, Map<String, List<JsonNode>>> cells) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart c = new CategoryChartBuilder().width(900).height(500).title("dev score at the end of training (mean ± sd over seeds)")
                .xAxisTitle("task").yAxisTitle("score x100").build();
        c.getStyler().setErrorBarsColorSeriesColor(true);
        List<String> x = new ArrayList<>(tasks);
        for (String m : methods) {
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (String t : x) {
                List<JsonNode> runs = cells.get(m).getOrDefault(t, List.of());
                MeanSd s = MeanSd.of(runs.stream().map(r -> score(r, "final")).toList());
                // A cell without runs is left empty (a NaN bar is not drawn) rather than drawn as a score of 0.
                y.add(runs.isEmpty() ? Double.NaN : s.mean());
                err.add(runs.isEmpty() || Double.isNaN(s.sd()) ? 0.0 : s.sd());
            }
            c.addSeries(m, x, y, err);
        }
        savePng(c, png);
    }

    /** Writes a chart through AtomicFiles: a kill never leaves half a PNG. */
    private static void savePng(org.knowm.xchart.internal.chartpart.Chart<?, ?> c, Path png) throws IOException {
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
