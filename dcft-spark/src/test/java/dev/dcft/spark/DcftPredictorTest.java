package dev.dcft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.cli.Main;
import dev.dcft.data.Example;
import dev.dcft.data.GlueReader;
import dev.dcft.data.GlueTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * DcftPredictor and DcftEmbedder on Spark {@code local[2]} against the CLI on the same inputs (issue 26): GLUE dev sets in
 * 4 partitions, labels equal and probabilities within 1e-6 of {@code dcft predict --input}'s, line by line, for a DCFT and
 * a LoRA adapter (SST-2's 872 rows), a pair task (MRPC) and a regression (STS-B) (their first 200 rows, to keep
 * {@code mvn verify} short); embeddings within 1e-6 of {@code dcft embed}'s.
 * The adapters are trained here for a few steps on the embedded MiniLM: equality, not accuracy, is what is tested.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DcftPredictorTest {
    static final Path DATA = Path.of("../shared/data");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("dcft-spark-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, String.join(" ", args) + ": " + err);
        return out.toString();
    }

    /** dcft's error line for {@code args} (exit 1), without its "dcft: error: " prefix. */
    static String cliError(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(1, code, out.toString());
        return err.toString().strip().replaceFirst("^dcft: error: ", "");
    }

    Path train(String name, String task, String... method) {
        Path run = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("--threads", "2", "train", "--task", task, "--model", "minilm-l6", "--data",
                DATA.toString(), "--max-steps", "6", "--batch", "8", "--max-len", "64", "--eval-limit", "8", "--out", run.toString(),
                "--quiet"));
        args.addAll(List.of(method));
        cli(args.toArray(new String[0]));
        return run;
    }

    static List<Example> dev(GlueTask task, String dir) {
        return GlueReader.read(DATA.resolve("glue").resolve(dir).resolve("dev.tsv"), task, false).examples();
    }

    /** The CLI's predictions for {@code examples} (as JSONL with "text" and "pair"), one JSON object per row. */
    List<JsonNode> cliPredictions(Path run, List<Example> examples, boolean pairs) throws Exception {
        return cliPredictions(List.of("--run", run.toString()), run.getFileName().toString(), examples, pairs);
    }

    /** As above with the predictor named by {@code source} ({@code --run R}, or {@code --model M --adapter A}). */
    List<JsonNode> cliPredictions(List<String> source, String tag, List<Example> examples, boolean pairs) throws Exception {
        Path in = tmp.resolve("in-" + tag + ".jsonl");
        Path out = tmp.resolve("out-" + tag + ".jsonl");
        List<String> lines = new ArrayList<>();
        for (Example e : examples) {
            lines.add(JSON.writeValueAsString(pairs ? Map.of("text", e.textA(), "pair", e.textB()) : Map.of("text", e.textA())));
        }
        Files.write(in, lines);
        List<String> args = new ArrayList<>(List.of("predict"));
        args.addAll(source);
        args.addAll(List.of("--input", in.toString(), "--output", out.toString()));
        if (pairs) {
            args.addAll(List.of("--text-pair-column", "pair"));
        }
        cli(args.toArray(new String[0]));
        List<JsonNode> got = new ArrayList<>();
        for (String l : Files.readAllLines(out)) {
            got.add(JSON.readTree(l));
        }
        return got;
    }

    Dataset<Row> frame(List<Example> examples, boolean pairs, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
        if (pairs) {
            schema = schema.add("pair", DataTypes.StringType);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            rows.add(pairs ? RowFactory.create(i, e.textA(), e.textB()) : RowFactory.create(i, e.textA()));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), schema);
    }

    /** Spark's output equals the CLI's row by row: order, ids, labels, probabilities within 1e-6 (regression: score). */
    static double compare(List<Row> spark, List<JsonNode> cli, boolean regression) {
        assertEquals(cli.size(), spark.size());
        double worst = 0;
        for (int i = 0; i < cli.size(); i++) {
            Row r = spark.get(i);
            assertEquals(i, r.getInt(r.fieldIndex("id")), "row order");
            JsonNode c = cli.get(i);
            worst = Math.max(worst, Math.abs(c.get("score").asDouble() - r.getDouble(r.fieldIndex("score"))));
            if (!regression) {
                assertEquals(c.get("label").asText(), r.getString(r.fieldIndex("label")), "row " + i);
                scala.collection.Map<String, Object> probs = r.getMap(r.fieldIndex("probabilities"));
                var it = c.get("probabilities").fields();
                while (it.hasNext()) {
                    var e = it.next();
                    worst = Math.max(worst, Math.abs(e.getValue().asDouble() - (Double) probs.apply(e.getKey())));
                }
            }
        }
        assertTrue(worst <= 1e-6, "worst difference " + worst);
        return worst;
    }

    @Test
    void predictionsEqualTheClisOnGlueDevSets() throws Exception {
        List<Example> sst2 = dev(GlueTask.SST2, "SST-2");
        assertEquals(872, sst2.size());
        for (String[] m : List.of(new String[] {"sst2-dcft", "--method", "dcft", "--kernel", "8"},
                new String[] {"sst2-lora", "--method", "lora", "--rank", "2"})) {
            Path run = train(m[0], "sst2", java.util.Arrays.copyOfRange(m, 1, m.length));
            List<JsonNode> cli = cliPredictions(run, sst2, false);
            DcftPredictor p = new DcftPredictor().setAdapter(run.toString()).setLabelCol("predicted");
            p.setScoreCol("score").setProbabilitiesCol("probabilities");
            Dataset<Row> out = p.transform(frame(sst2, false, 4));
            List<Row> rows = out.withColumnRenamed("predicted", "label").collectAsList();
            System.out.printf("%s: SST-2 dev %d rows in 4 partitions, worst |p - p_cli| %.2e%n", m[0], rows.size(), compare(rows, cli, false));
            assertEquals(0L, p.skippedRows().value());
        }

        Path mrpc = train("mrpc-lora", "mrpc", "--method", "lora", "--rank", "2");
        List<Example> mrpcDev = dev(GlueTask.MRPC, "MRPC").subList(0, 200);
        List<JsonNode> mrpcCli = cliPredictions(mrpc, mrpcDev, true);
        List<Row> mrpcRows = new DcftPredictor().setAdapter(mrpc.toString()).setTextPairCol("pair").transform(frame(mrpcDev, true, 4))
                .collectAsList();
        System.out.printf("MRPC dev (pairs) %d rows: worst %.2e%n", mrpcRows.size(), compare(mrpcRows, mrpcCli, false));

        Path stsb = train("stsb-dcft", "stsb", "--method", "dcft", "--kernel", "8");
        List<Example> stsbDev = dev(GlueTask.STSB, "STS-B").subList(0, 200);
        List<JsonNode> stsbCli = cliPredictions(stsb, stsbDev, true);
        Dataset<Row> stsbOut = new DcftPredictor().setAdapter(stsb.toString()).setTextPairCol("pair").transform(frame(stsbDev, true, 4));
        assertEquals(List.of("id", "text", "pair", "score"), List.of(stsbOut.schema().fieldNames()), "regression adds score only");
        List<Row> stsbRows = stsbOut.collectAsList();
        System.out.printf("STS-B dev (regression) %d rows: worst %.2e%n", stsbRows.size(), compare(stsbRows, stsbCli, true));

        // An adapter directory alone, on its base model (texts then cut at the base's own length, 128 for MiniLM, not the
        // run's --max-len): as dcft predict --model M --adapter DIR labels them.
        Path adapterDir = mrpc.resolve("adapter");
        List<Example> fewer = mrpcDev.subList(0, 100);
        List<JsonNode> adapterCli = cliPredictions(List.of("--model", "minilm-l6", "--adapter", adapterDir.toString()), "mrpc-adapter",
                fewer, true);
        List<Row> viaAdapter = new DcftPredictor().setModel("minilm-l6").setAdapter(adapterDir.toString()).setTextPairCol("pair")
                .transform(frame(fewer, true, 4)).collectAsList();
        System.out.printf("MRPC dev, adapter directory alone: worst %.2e%n", compare(viaAdapter, adapterCli, false));
    }

    @Test
    void pipelinesSaveAndLoadNullsGetNullAndAWrongAdapterFailsAsTheCliDoes() throws Exception {
        Path run = train("sst2-save", "sst2", "--method", "dcft", "--kernel", "8");
        List<Example> some = dev(GlueTask.SST2, "SST-2").subList(0, 50);
        DcftPredictor p = new DcftPredictor().setAdapter(run.toString()).setBatchSize(7).setLabelCol("predicted");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {p}).fit(frame(some, false, 3));
        Path saved = tmp.resolve("pipeline");
        model.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        List<Row> a = model.transform(frame(some, false, 3)).collectAsList();
        List<Row> b = loaded.transform(frame(some, false, 3)).collectAsList();
        assertEquals(a, b, "the saved and loaded pipeline labels as the original");
        DcftPredictor back = (DcftPredictor) loaded.stages()[0];
        assertEquals(7, (Integer) back.getOrDefault(back.batchSize()));
        assertEquals(run.toString(), back.getOrDefault(back.adapter()));

        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create(0, "a fine film"), RowFactory.create(1, null), RowFactory.create(2, ""),
                RowFactory.create(3, "dull"));
        List<Row> out = p.transform(spark.createDataFrame(rows, schema)).collectAsList();
        assertEquals(4, out.size());
        assertTrue(out.get(0).getString(2) != null && out.get(3).getString(2) != null);
        for (int i : new int[] {1, 2}) {
            assertNull(out.get(i).get(2));
            assertNull(out.get(i).get(3));
            assertNull(out.get(i).get(4));
        }
        assertEquals(2L, p.skippedRows().value());

        // An SST-2 adapter on another base: the CLI's one line, at once, on the driver.
        Path other = Path.of("src/test/resources/fixtures/decoders/chat");
        String expected = cliError("predict", "--model", other.toString(), "--adapter", run.resolve("adapter").toString(), "good");
        DcftPredictor wrong = new DcftPredictor().setModel(other.toString()).setAdapter(run.resolve("adapter").toString());
        Exception e = assertThrows(Exception.class, () -> wrong.transform(frame(some, false, 2)));
        assertEquals(expected, e.getMessage());
        assertTrue(expected.contains("matched no linear layer"), expected);
    }

    @Test
    void embeddingsEqualDcftEmbed() throws Exception {
        List<Example> some = dev(GlueTask.SST2, "SST-2").subList(0, 40);
        List<String> args = new ArrayList<>(List.of("embed", "--model", "minilm-l6", "--json"));
        some.forEach(e -> args.add(e.textA()));
        JsonNode cli = JSON.readTree(cli(args.toArray(new String[0]))).get("embeddings");
        DcftEmbedder emb = new DcftEmbedder().setBatchSize(8);
        List<Row> rows = emb.transform(frame(some, false, 3)).collectAsList();
        double worst = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<Object> v = rows.get(i).getList(2);
            assertEquals(cli.get(i).size(), v.size());
            for (int j = 0; j < v.size(); j++) {
                worst = Math.max(worst, Math.abs(cli.get(i).get(j).asDouble() - (Float) v.get(j)));
            }
        }
        System.out.printf("embeddings of %d texts in 3 partitions: worst %.2e%n", rows.size(), worst);
        assertTrue(worst <= 1e-6, "worst " + worst);
    }

    @Test
    void questionsAreAnsweredAsDcftPredictAnswersThem() throws Exception {
        Path run = tmp.resolve("squad");
        cli("--threads", "2", "train", "--task", "squad", "--data", DATA.toString(), "--method", "dcft", "--max-steps", "4", "--batch", "8",
                "--max-len", "128", "--doc-stride", "32", "--train-limit", "40", "--eval-limit", "8", "--out", run.toString(), "--quiet");
        JsonNode squad = JSON.readTree(DATA.resolve("squad/v1.1/dev.json").toFile());
        List<Row> rows = new ArrayList<>();
        List<String[]> expected = new ArrayList<>();
        JsonNode para = squad.get("data").get(3).get("paragraphs").get(0);
        String context = para.get("context").asText();
        for (int i = 0; i < 6; i++) {
            String q = para.get("qas").get(i).get("question").asText();
            rows.add(RowFactory.create(i, q, context));
            String line = cli("predict", "--run", run.toString(), "--question", q, "--context", context).strip();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.*)\tscore (\\S+)\tspan \\[(\\d+), (\\d+)\\)").matcher(line);
            assertTrue(m.matches(), line);
            expected.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
        }
        rows.add(RowFactory.create(6, null, context));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("question", DataTypes.StringType)
                .add("context", DataTypes.StringType);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        DcftQuestionAnswerer qa = new DcftQuestionAnswerer().setAdapter(run.toString()).setBatchSize(4);
        List<Row> got = qa.transform(spark.createDataFrame(jsc.parallelize(rows, 2), schema)).collectAsList();
        for (int i = 0; i < 6; i++) {
            Row r = got.get(i);
            assertEquals(expected.get(i)[0], r.getString(3), "answer " + i);
            assertEquals(Double.parseDouble(expected.get(i)[1]), r.getDouble(4), 5e-5, "score " + i);
            assertEquals(Integer.parseInt(expected.get(i)[2]), r.getInt(5));
            assertEquals(Integer.parseInt(expected.get(i)[3]), r.getInt(6));
        }
        assertNull(got.get(6).get(3));
        assertEquals(1L, qa.skippedRows().value());
    }

    /** Multi-label: {@code labels} (those above 0.5) besides label, score and probabilities, as the CLI writes them. */
    @Test
    void multiLabelPredictionsCarryTheirLabelSets() throws Exception {
        String[][] topics = {{"match", "goal", "team", "coach"}, {"pizza", "recipe", "chef", "dinner"}, {"laptop", "code", "chip", "cloud"}};
        String[] names = {"sport", "food", "tech"};
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        List<String> lines = new ArrayList<>();
        List<Example> texts = new ArrayList<>();
        for (int i = 0; i < 260; i++) {
            List<String> labels = new ArrayList<>();
            StringBuilder text = new StringBuilder("today");
            for (int k = 0; k < 3; k++) {
                if (rng.nextDouble() < 0.45) {
                    labels.add(names[k]);
                    text.append(' ').append(topics[k][rng.nextInt(4)]).append(' ').append(topics[k][rng.nextInt(4)]);
                }
            }
            if (i < 200) {
                lines.add(JSON.writeValueAsString(Map.of("text", text.toString(), "labels", labels)));
            } else {
                texts.add(new Example(text.toString(), null, 0, 0, 0));
            }
        }
        Path file = tmp.resolve("topics.jsonl");
        Files.write(file, lines);
        Path run = tmp.resolve("multi");
        cli("--threads", "2", "train", "--train", file.toString(), "--max-steps", "30", "--batch", "16", "--lr", "2e-2", "--out",
                run.toString(), "--quiet");
        List<JsonNode> expected = cliPredictions(run, texts, false);
        Dataset<Row> out = new DcftPredictor().setAdapter(run.toString()).transform(frame(texts, false, 3));
        assertEquals(List.of("id", "text", "label", "score", "probabilities", "labels"), List.of(out.schema().fieldNames()));
        List<Row> rows = out.collectAsList();
        compare(rows, expected, false);
        for (int i = 0; i < rows.size(); i++) {
            List<String> want = new ArrayList<>();
            expected.get(i).get("labels").forEach(n -> want.add(n.asText()));
            assertEquals(want, rows.get(i).getList(rows.get(i).fieldIndex("labels")), "row " + i);
        }
    }
}
