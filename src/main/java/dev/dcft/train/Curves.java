package dev.dcft.train;

import dev.dcft.data.TaskSpec;
import dev.dcft.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/** curves.png: training loss and the dev score against the step, side by side. */
public final class Curves {
    private Curves() {
    }

    public static void write(Path png, List<Map<String, Object>> log, TaskSpec task) throws IOException {
        write(png, log, task.name() + " dev score", "eval_score", String.join(" / ", task.metrics().stream().map(m -> m.key).toList()));
    }

    /** As above, the right-hand chart {@code title} plotting the log's {@code evalKey} (e.g. a causal LM's dev loss). */
    public static void write(Path png, List<Map<String, Object>> log, String title, String evalKey, String yTitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> steps = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        List<Double> evalSteps = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (Map<String, Object> e : log) {
            double step = ((Number) e.get("step")).doubleValue();
            steps.add(step);
            losses.add(((Number) e.get("loss")).doubleValue());
            if (e.get(evalKey) instanceof Number n) {
                evalSteps.add(step);
                scores.add(n.doubleValue());
            }
        }
        if (steps.isEmpty()) {
            return;
        }
        XYChart loss = new XYChartBuilder().width(640).height(420).title("training loss").xAxisTitle("step").yAxisTitle("loss").build();
        loss.getStyler().setLegendVisible(false).setMarkerSize(0);
        loss.addSeries("loss", steps, losses);
        XYChart dev = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        dev.getStyler().setLegendVisible(false);
        if (!evalSteps.isEmpty()) {
            dev.addSeries("dev", evalSteps, scores);
        }
        List<Chart> charts = List.of(loss, dev);
        // Through AtomicFiles: a kill never leaves half a PNG.
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(charts, 1, 2, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
