package dev.dcft.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.engine.Engines;
import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.Architectures;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Weight;
import dev.dcft.serve.DcftServer;
import dev.dcft.testing.AdapterFixtures;
import dev.dcft.testing.CliRunner;
import dev.dcft.testing.FiniteDifferences;
import dev.dcft.testing.TestModels;
import dev.dcft.testing.TinyDeberta;
import dev.dcft.train.Predictor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One battery for every registered adapter method (as PEFT's {@code tests/test_custom_models.py}):
 * each row of {@link #CASES} on a tiny BERT and a tiny DeBERTa-v3. Merged equals unmerged; saved
 * and loaded gives the same outputs and the same adapter_config.json; autograd equals central finite
 * differences of the method's naive float64 definition ({@link NaiveIncrements}); the parameter
 * count from the formula equals the count injected; {@code dcft serve}'s mixed batch equals
 * {@link Predictor}. A new method gets the battery by a row here (a registered method without one
 * fails {@link #everyRegisteredMethodHasARow}) and its naive definition.
 */
class MethodConformanceTest {
    /** A method and its options as the CLI takes them. */
    record Case(String label, String method, Map<String, Object> options) {
        MethodOptions methodOptions() {
            return MethodOptions.of(options);
        }

        MethodConfig config(List<String> targets) {
            return AdapterMethods.forName(method, methodOptions()).configure(methodOptions(), TargetModules.names(targets));
        }

        List<String> cliArgs() {
            List<String> out = new ArrayList<>(List.of("--method", method));
            options.forEach((k, v) -> {
                if (v instanceof Boolean b) {
                    if (b) {
                        out.add("--" + k);
                    }
                } else {
                    out.addAll(List.of("--" + k, v.toString()));
                }
            });
            return out;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("dcft-d8-t8", "dcft", Map.of("kernel", 8, "stride", 8)),
            new Case("dcft-d4-t2-r2", "dcft", Map.of("kernel", 4, "stride", 2, "rank", 2)),
            new Case("lora-r4", "lora", Map.of("rank", 4, "alpha", 8)),
            new Case("lora-r4-dora", "lora", Map.of("rank", 4, "alpha", 8, "dora", true)),
            new Case("vera-r16", "vera", Map.of("rank", 16)));

    static final List<String> ARCHITECTURES = List.of("bert", "deberta-v3");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path root;
    private static final Map<String, Path> MODELS = new LinkedHashMap<>();

    @BeforeAll
    static void tinyModels() throws IOException {
        root = Files.createTempDirectory("dcft-conformance");
        Path bert = root.resolve("bert");
        TestModels.writeTinyHfDirectory(bert, true, 31);
        MODELS.put("bert", bert);
        Path deberta = root.resolve("deberta-v3");
        ObjectNode c = TinyDeberta.v3();
        TinyDeberta.write(deberta, c, TinyDeberta.randomWeights(c, 37));
        MODELS.put("deberta-v3", deberta);
    }

    static Stream<Arguments> rows() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : CASES) {
            for (String arch : ARCHITECTURES) {
                out.add(Arguments.of(c.label(), arch, c));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> cases() {
        return CASES.stream().map(c -> Arguments.of(c.label(), c));
    }

    private static List<String> targets(LoadedModel m) {
        return Architectures.of(m.model().config()).targetModules();
    }

    @Test
    void everyRegisteredMethodHasARow() {
        Set<String> covered = new TreeSet<>();
        for (Case c : CASES) {
            covered.add(c.config(List.of("query")).method().getClass().getName());
        }
        for (AdapterMethod m : AdapterMethods.all()) {
            assertTrue(covered.contains(m.getClass().getName()), m.getClass().getSimpleName() + " is registered but has no row in CASES");
        }
    }

    /** Merged equals unmerged (1e-5 relative); unmerging gives the adapter's outputs back. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    void mergedEqualsUnmerged(String label, String arch, Case c) throws IOException {
        try (LoadedModel m = ModelLoader.load(MODELS.get(arch).toString())) {
            float[] before = AdapterFixtures.lastHidden(m);
            Adapters.apply(m.model(), AdapterSpec.of(c.config(targets(m))), m.manager(), 5);
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 7, 0.3);
            float[] unmerged = AdapterFixtures.lastHidden(m);
            assertTrue(maxAbsDiff(unmerged, before) > 1e-3 * maxAbs(before), label + ": the adapter changes the outputs");
            Adapters.mergeAll(m.model());
            float[] merged = AdapterFixtures.lastHidden(m);
            assertTrue(maxAbsDiff(merged, unmerged) <= 1e-5 * maxAbs(unmerged), label + " merged vs unmerged: " + maxAbsDiff(merged, unmerged));
            Adapters.unmergeAll(m.model());
            float[] back = AdapterFixtures.lastHidden(m);
            assertTrue(maxAbsDiff(back, unmerged) <= 1e-5 * maxAbs(unmerged), label + " unmerged again: " + maxAbsDiff(back, unmerged));
        }
    }

    /**
     * Saved and loaded into a fresh base: the same outputs, the same configuration, and an
     * adapter_config.json that reads back into the file it was written from.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    void savedAndLoadedGivesTheSameModelAndFile(String label, String arch, Case c) throws IOException {
        Path dir = root.resolve("saved-" + label + "-" + arch);
        float[] want;
        MethodConfig config;
        try (LoadedModel m = ModelLoader.load(MODELS.get(arch).toString())) {
            config = c.config(targets(m));
            AdapterSpec spec = AdapterSpec.of(config);
            Adapters.apply(m.model(), spec, m.manager(), 5);
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 11, 0.3);
            want = AdapterFixtures.lastHidden(m);
            PeftAdapterFiles.save(dir, spec, m.name(), m.model(), Map.of(), null, null, false);
        }
        try (LoadedModel m = ModelLoader.load(MODELS.get(arch).toString())) {
            PeftAdapterFiles.LoadedAdapter a = PeftAdapterFiles.load(dir);
            assertEquals(config.method(), a.spec().config().method(), label);
            assertEquals(config.options(), a.spec().config().options().overriddenBy(trainingOnly(config)), label + ": options read back");
            assertEquals(PeftAdapterFiles.configJson(AdapterSpec.of(config), m.name(), null, null),
                    PeftAdapterFiles.configJson(a.spec(), m.name(), null, null), label + ": adapter_config.json round trip");
            JsonNode written = JSON.readTree(Files.readString(dir.resolve(PeftAdapterFiles.CONFIG)));
            assertEquals(config.method().peftType(), written.get("peft_type").asText());
            PeftAdapterFiles.attach(m.model(), a, m.manager());
            float[] got = AdapterFixtures.lastHidden(m);
            assertTrue(maxAbsDiff(got, want) <= 1e-6 * maxAbs(want), label + " loaded vs saved: " + maxAbsDiff(got, want));
        }
    }

    /** Options that only training reads (DCFT's regulariser) are not in adapter files: taken from the original. */
    private static MethodOptions trainingOnly(MethodConfig config) {
        MethodOptions o = MethodOptions.empty();
        for (String k : List.of("gamma", "reg-form")) {
            if (config.options().has(k)) {
                o = o.with(k, config.options().json().get(k));
            }
        }
        return o;
    }

    /**
     * Training steps (forward in training mode, the method's auxiliary loss, backward) leave the model's manager as it
     * was: every temporary of a step lives in the step's manager, so a long run holds no more memory than a short one.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    void trainingStepsDoNotGrowTheModelManager(String label, String arch, Case c) throws IOException {
        try (LoadedModel m = ModelLoader.load(MODELS.get(arch).toString())) {
            MethodConfig config = c.config(targets(m));
            Adapters.apply(m.model(), AdapterSpec.of(config), m.manager(), 5);
            AdapterFixtures.randomizeAdapters(m.model(), m.manager(), 7, 0.3);
            for (Parameter p : m.model().namedParameters().values()) {
                if (p.trainable()) {
                    p.value().setRequiresGradient(true);
                }
            }
            m.model().setTraining(true);
            var batch = m.tokenizer().encode(AdapterFixtures.TEXTS);
            AuxiliaryLoss aux = config.auxiliaryLoss();
            int before = -1;
            for (int step = 0; step < 3; step++) {
                try (NDManager s = m.manager().newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray loss = m.model().forward(dev.dcft.model.EncoderInput.of(s, batch, m.model().config())).square().mean();
                    NDArray extra = aux == null ? null : aux.loss(s, Adapters.layers(m.model()).values());
                    gc.backward(extra == null ? loss : loss.add(extra));
                }
                int now = ((ai.djl.ndarray.BaseNDManager) m.manager()).getManagedArrays().size();
                if (before >= 0) {
                    assertEquals(before, now, label + " on " + arch + ": arrays in the model manager after step " + step);
                }
                before = now;
            }
        }
    }

    /** {@code dcft params}' count from the formula equals the adapter numbers actually injected and trainable. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    void parameterCountFromTheFormulaEqualsTheCountInjected(String label, String arch, Case c) throws IOException {
        String model = MODELS.get(arch).toString();
        try (LoadedModel m = ModelLoader.load(model)) {
            MethodConfig config = c.config(targets(m));
            ParameterBudget.Count count = ParameterBudget.of(Architectures.linearsOf(model), config);
            Adapters.apply(m.model(), AdapterSpec.of(config), m.manager(), 5);
            long trainable = m.model().namedParameters().values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum();
            assertEquals(count.trainable(), trainable, label);
            assertEquals(trainable, Adapters.adapterParameterCount(m.model()), label);
            assertEquals(Adapters.layers(m.model()).size(), count.adaptedMatrices(), label);
        }
        List<String> args = new ArrayList<>(List.of("params", "--model", model, "--json"));
        args.addAll(c.cliArgs());
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        try (LoadedModel m = ModelLoader.load(model)) {
            Adapters.apply(m.model(), AdapterSpec.of(c.config(targets(m))), m.manager(), 5);
            assertEquals(Adapters.adapterParameterCount(m.model()), JSON.readTree(r.out()).get("trainable").asLong(), label + ": dcft params");
        }
    }

    /**
     * Autograd through the layer (float64) against central finite differences of the method's naive
     * definition, for every entry of every trainable adapter tensor and of the input, on a square
     * and on non-square layers.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferencesOfTheNaiveDefinition(String label, Case c) {
        for (int[] shape : new int[][] {{16, 16}, {16, 32}, {32, 16}}) {
            int in = shape[0];
            int out = shape[1];
            String path = "encoder.layer.0.intermediate.dense";
            SplittableRandom rng = new SplittableRandom(in * 100 + out);
            double[][] x = DcftDefinitionTest.random(rng, 4, in, 1);
            double[][] w0 = DcftDefinitionTest.random(rng, out, in, 0.5);
            double[] bias = DcftDefinitionTest.random(rng, 1, out, 0.5)[0];
            double[][] probe = DcftDefinitionTest.random(rng, 4, out, 1);
            MethodConfig config = c.config(List.of("dense"));
            Map<String, double[][]> tensors = new LinkedHashMap<>();
            Map<String, double[]> grads = new LinkedHashMap<>();
            double[] gX;
            try (NDManager m = Engines.newManager()) {
                Linear base = new Linear(m, in, out, true);
                base.weight().set(DcftDefinitionTest.toArray(m, w0, DataType.FLOAT64));
                base.bias().set(m.create(bias));
                AdapterLayer layer = config.bind(Map.of(path, base), m, new SplittableRandom(2)).wrap(m, path, base, new SplittableRandom(3));
                for (Map.Entry<String, Weight> e : layer.sharedWeights().entrySet()) {
                    // Frozen tensors every layer shares: their own values, in float64, not perturbed.
                    long[] s = e.getValue().value().getShape().getShape();
                    double[][] v = new double[(int) s[0]][(int) s[1]];
                    float[] f = e.getValue().value().toFloatArray();
                    for (int i = 0; i < f.length; i++) {
                        v[i / (int) s[1]][i % (int) s[1]] = f[i];
                    }
                    tensors.put(e.getKey(), v);
                    e.getValue().parameter().set(DcftDefinitionTest.toArray(m, v, DataType.FLOAT64));
                }
                for (Map.Entry<String, Weight> e : layer.adapterWeights().entrySet()) {
                    long[] s = e.getValue().value().getShape().getShape();
                    double[][] v = DcftDefinitionTest.random(rng, (int) s[0], s.length > 1 ? (int) s[1] : 1, 0.5);
                    tensors.put(e.getKey(), v);
                    NDArray nd = DcftDefinitionTest.toArray(m, v, DataType.FLOAT64).reshape(e.getValue().value().getShape());
                    nd.setRequiresGradient(layer.trains(e.getKey()));
                    e.getValue().parameter().set(nd);
                }
                try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray xs = DcftDefinitionTest.toArray(step, x, DataType.FLOAT64).reshape(2, 2, in);
                    xs.setRequiresGradient(true);
                    NDArray y = layer.forward(xs).reshape(4, out);
                    gc.backward(y.mul(DcftDefinitionTest.toArray(step, probe, DataType.FLOAT64)).sum());
                    for (Map.Entry<String, Weight> e : layer.adapterWeights().entrySet()) {
                        if (layer.trains(e.getKey())) {
                            grads.put(e.getKey(), e.getValue().value().getGradient().toDoubleArray());
                        }
                    }
                    gX = xs.getGradient().toDoubleArray();
                }
            }
            assertTrue(!grads.isEmpty(), label + ": some adapter tensor trains");
            Map<String, double[][]> frozen = new LinkedHashMap<>();
            tensors.forEach((k, v) -> frozen.put(k, java.util.Arrays.stream(v).map(double[]::clone).toArray(double[][]::new)));
            java.util.function.DoubleSupplier loss = () -> {
                double[][] w = NaiveIncrements.effectiveWeight(config, path, tensors, frozen, w0);
                double l = 0;
                for (int n = 0; n < x.length; n++) {
                    for (int j = 0; j < out; j++) {
                        double y = bias[j];
                        for (int i = 0; i < in; i++) {
                            y += x[n][i] * w[j][i];
                        }
                        l += y * probe[n][j];
                    }
                }
                return l;
            };
            String where = label + " " + in + "x" + out + " ";
            grads.forEach((k, g) -> FiniteDifferences.check(where + k, tensors.get(k), g, loss));
            FiniteDifferences.check(where + "x", x, gX, loss);
        }
    }

    /** Adapters of this method trained by {@code dcft train}, served in one mixed batch: each row as {@link Predictor} gives it. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    void servedMixedBatchEqualsPredictor(String label, String arch, Case c) throws Exception {
        Path model = MODELS.get(arch);
        Path adapters = root.resolve("serve-" + label + "-" + arch);
        Path data = root.resolve("two.csv");
        if (!Files.exists(data)) {
            StringBuilder sb = new StringBuilder("text,label\n");
            for (int i = 0; i < 32; i++) {
                sb.append(AdapterFixtures.TEXTS.get(i % 3).replace(",", "")).append(i % 2 == 0 ? ",pos\n" : ",neg\n");
            }
            Files.writeString(data, sb.toString());
        }
        for (int i = 0; i < 2; i++) {
            List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--train", data.toString(), "--max-steps", "2",
                    "--batch", "8", "--lr", "5e-2", "--seed", Integer.toString(40 + i), "--threads", "2", "--quiet", "--out",
                    adapters.resolve("a" + i).toString()));
            args.addAll(c.cliArgs());
            CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
        }
        DcftServer.Options o = new DcftServer.Options("127.0.0.1", 0, 64, 200, 64, 16, 1 << 20, 64, 60_000, false);
        StringBuilder log = new StringBuilder();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (DcftServer s = DcftServer.start(ModelLoader.load(model.toString()), adapters, adapters, o, line -> log.append(line).append('\n'))) {
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String body = JSON.writeValueAsString(Map.of("adapter", "a" + i, "inputs", AdapterFixtures.TEXTS));
                replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/predict"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = replies.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body() + "\nserver log:\n" + log);
                JsonNode got = JSON.readTree(r.body()).get("results");
                try (Predictor p = Predictor.open(adapters.resolve("a" + i))) {
                    List<Predictor.Input> in = AdapterFixtures.TEXTS.stream().map(t -> new Predictor.Input(t, null)).toList();
                    List<Predictor.Prediction> want = p.predict(in);
                    for (int k = 0; k < want.size(); k++) {
                        JsonNode g = got.get(k);
                        String what = label + " a" + i + " row " + k;
                        assertEquals(want.get(k).label(), g.get("label").asText(), what);
                        want.get(k).probabilities().forEach((name, prob) -> assertEquals(prob, g.get("probabilities").get(name).asDouble(),
                                1e-5, what + " p(" + name + ")"));
                    }
                }
            }
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
