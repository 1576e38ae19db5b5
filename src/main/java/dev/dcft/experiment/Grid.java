package dev.dcft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment: a grid of (task, method, seed) runs of {@code dcft train}, in priority stages,
 * read from a JSON file. Every run gets the common arguments, its task's and its method's, then
 * its stage's extra ones (a learning-rate sweep's value). Runs are ordered so that the first two
 * seeds of every stage come before any third seed: a budget that ends early still leaves every
 * priority with some seeds.
 *
 * <pre>
 * {"name": "glue-bert-base", "model": "bert-base-uncased",
 *  "common": ["--batch", "32", ...], "tasks": {"mrpc": ["--epochs", "5"], "*": ["--epochs", "3"]},
 *  "methods": {"dcft-d8": ["--method", "dcft", "--kernel", "8", "--lr", "3e-3"], ...},
 *  "stages": [{"name": "...", "priority": 1, "tasks": [...], "methods": [...], "seeds": [1, 2, 3], "tag": "", "extra": []}]}
 * </pre>
 */
public record Grid(String name, String model, List<String> common, Map<String, List<String>> taskArgs, Map<String, List<String>> methodArgs,
        List<Stage> stages) {

    /** One block of runs; {@code tag} (e.g. "lr1e-3") marks runs outside the main table, such as a sweep. */
    public record Stage(String name, int priority, List<String> tasks, List<String> methods, List<Integer> seeds, String tag, List<String> extra) {
    }

    /** One run of the grid. */
    public record Run(Stage stage, String task, String method, int seed, int seedIndex) {
        public String id() {
            return task + "-" + method + (stage.tag().isEmpty() ? "" : "-" + stage.tag()) + "-s" + seed;
        }
    }

    public static Grid read(Path file) throws IOException {
        JsonNode g = new ObjectMapper().readTree(Files.readString(file));
        List<Stage> stages = new ArrayList<>();
        for (JsonNode s : g.path("stages")) {
            List<Integer> seeds = new ArrayList<>();
            s.path("seeds").forEach(n -> seeds.add(n.asInt()));
            stages.add(new Stage(s.path("name").asText(""), s.path("priority").asInt(1), strings(s.path("tasks")), strings(s.path("methods")),
                    seeds.isEmpty() ? List.of(1) : seeds, s.path("tag").asText(""), strings(s.path("extra"))));
        }
        Grid grid = new Grid(required(g, "name", file), required(g, "model", file), strings(g.path("common")), map(g.path("tasks")),
                map(g.path("methods")), stages);
        for (Stage s : stages) {
            for (String m : s.methods()) {
                if (!grid.methodArgs().containsKey(m)) {
                    throw new IllegalArgumentException(file + ": stage '" + s.name() + "' names method '" + m + "', which \"methods\" does not define");
                }
            }
        }
        return grid;
    }

    private static String required(JsonNode g, String field, Path file) {
        if (!g.path(field).isTextual()) {
            throw new IllegalArgumentException(file + ": missing string field '" + field + "'");
        }
        return g.get(field).asText();
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, List<String>> map(JsonNode o) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> out.put(e.getKey(), strings(e.getValue())));
        return out;
    }

    /** Every run, in the order they should be run. */
    public List<Run> runs() {
        List<Run> out = new ArrayList<>();
        for (Stage s : stages) {
            for (int k = 0; k < s.seeds().size(); k++) {
                for (String t : s.tasks()) {
                    for (String m : s.methods()) {
                        out.add(new Run(s, t, m, s.seeds().get(k), k));
                    }
                }
            }
        }
        // Seeds 1-2 of every priority first, then the third seeds, then further ones; a stable sort keeps the file's order within.
        out.sort(Comparator.comparingInt((Run r) -> Math.max(0, r.seedIndex() - 1)).thenComparingInt(r -> r.stage().priority()));
        return out;
    }

    /** The {@code dcft train} arguments of a run, without {@code --out}. */
    public List<String> trainArgs(Run r) {
        // Later parts override earlier ones option by option (a sweep's --lr replaces the method's).
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (List<String> part : List.of(List.of("--task", r.task(), "--model", model), common,
                taskArgs.getOrDefault(r.task(), taskArgs.getOrDefault("*", List.of())), methodArgs.get(r.method()), r.stage().extra(),
                List.of("--seed", Integer.toString(r.seed())))) {
            String current = null;
            for (String token : part) {
                if (token.startsWith("--")) {
                    current = token;
                    options.remove(current);
                    options.put(current, new ArrayList<>());
                } else if (current == null) {
                    throw new IllegalArgumentException("grid argument '" + token + "' follows no option");
                } else {
                    options.get(current).add(token);
                }
            }
        }
        List<String> a = new ArrayList<>(List.of("train"));
        options.forEach((k, v) -> {
            a.add(k);
            a.addAll(v);
        });
        return a;
    }
}
