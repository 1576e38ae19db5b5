package dev.dcft.spark;

import dev.dcft.data.TaskSpec;
import dev.dcft.train.Predictor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Labels the text column of any DataFrame with a fine-tuned adapter (a run directory of {@code dcft train}, or an adapter
 * directory on {@code model}; any Hadoop-readable path), as {@code dcft predict --input} labels a file: the same model, the
 * same numbers. Classification adds {@code label} (the adapter's label name), {@code score} (its probability) and
 * {@code probabilities} (every label's); regression {@code score} alone; multi-label {@code labels} (those above 0.5)
 * besides the three. The model loads once per executor JVM ({@link ExecutorModels}); each partition goes through it in
 * batches of texts of similar length; rows keep their order and every other column. A null or empty text gets null
 * outputs and is counted ({@link #skippedRows()}), never failing the job; an adapter that does not fit the model fails the
 * job at once, on the driver, with the CLI's message.
 */
public class DcftPredictor extends DcftTransformer<DcftPredictor> {
    private static final long serialVersionUID = 1L;

    private final Param<String> adapter;
    private final Param<String> textCol;
    private final Param<String> textPairCol;
    private final Param<String> labelCol;
    private final Param<String> scoreCol;
    private final Param<String> probabilitiesCol;
    private final Param<String> labelsCol;

    public DcftPredictor() {
        this(Identifiable$.MODULE$.randomUID("dcftPredictor"));
    }

    public DcftPredictor(String uid) {
        super(uid, "base model: an embedded name, or a model directory (any Hadoop path); empty: the run's own", "");
        adapter = new Param<>(this, "adapter", "a run directory of dcft train, or an adapter directory (any Hadoop path)");
        textCol = new Param<>(this, "textCol", "the column holding the text");
        textPairCol = new Param<>(this, "textPairCol", "the column holding a pair task's second text (empty: none)");
        labelCol = new Param<>(this, "labelCol", "output: the predicted label's name");
        scoreCol = new Param<>(this, "scoreCol", "output: the label's probability (regression: the value)");
        probabilitiesCol = new Param<>(this, "probabilitiesCol", "output: every label's probability");
        labelsCol = new Param<>(this, "labelsCol", "output (multi-label): the labels above 0.5");
        setDefault(textCol, "text");
        setDefault(textPairCol, "");
        setDefault(labelCol, "label");
        setDefault(scoreCol, "score");
        setDefault(probabilitiesCol, "probabilities");
        setDefault(labelsCol, "labels");
    }

    public Param<String> adapter() {
        return adapter;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> textPairCol() {
        return textPairCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> scoreCol() {
        return scoreCol;
    }

    public Param<String> probabilitiesCol() {
        return probabilitiesCol;
    }

    public Param<String> labelsCol() {
        return labelsCol;
    }

    public DcftPredictor setAdapter(String v) {
        set(adapter, v);
        return this;
    }

    public DcftPredictor setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    public DcftPredictor setTextPairCol(String v) {
        set(textPairCol, v);
        return this;
    }

    public DcftPredictor setLabelCol(String v) {
        set(labelCol, v);
        return this;
    }

    public DcftPredictor setScoreCol(String v) {
        set(scoreCol, v);
        return this;
    }

    public DcftPredictor setProbabilitiesCol(String v) {
        set(probabilitiesCol, v);
        return this;
    }

    public DcftPredictor setLabelsCol(String v) {
        set(labelsCol, v);
        return this;
    }

    private String pairColOrNull() {
        String p = $(textPairCol);
        return p == null || p.isEmpty() ? null : p;
    }

    /** The task, from the predictor this JVM loads (the driver's load also checks that the adapter fits the model). */
    private TaskSpec task() {
        if (!isDefined(adapter) || !isSet(adapter)) {
            throw new IllegalArgumentException("DcftPredictor: set the adapter (a run directory or an adapter directory)");
        }
        return ExecutorModels.predictor(modelOrNull(), $(adapter), $(precision())).task();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        requireString(schema, $(textCol));
        if (pairColOrNull() != null) {
            requireString(schema, pairColOrNull());
        }
        TaskSpec task = task();
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        for (StructField f : outputFields(task)) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("DcftPredictor: the input already has a column '" + f.name()
                        + "' (choose another output name, e.g. setLabelCol(\"predicted\"))");
            }
            fields.add(f);
        }
        return new StructType(fields.toArray(new StructField[0]));
    }

    private static void requireString(StructType schema, String col) {
        if (!Arrays.asList(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException("DcftPredictor: no column '" + col + "' in " + Arrays.toString(schema.fieldNames()));
        }
        if (!schema.apply(col).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("DcftPredictor: column '" + col + "' is " + schema.apply(col).dataType().simpleString()
                    + ", not string");
        }
    }

    private List<StructField> outputFields(TaskSpec task) {
        List<StructField> out = new ArrayList<>();
        if (task.isRegression()) {
            out.add(DataTypes.createStructField($(scoreCol), DataTypes.DoubleType, true));
            return out;
        }
        out.add(DataTypes.createStructField($(labelCol), DataTypes.StringType, true));
        out.add(DataTypes.createStructField($(scoreCol), DataTypes.DoubleType, true));
        out.add(DataTypes.createStructField($(probabilitiesCol), DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), true));
        if (task.isMultiLabel()) {
            out.add(DataTypes.createStructField($(labelsCol), DataTypes.createArrayType(DataTypes.StringType), true));
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        TaskSpec task = task();
        LongAccumulator skipped = newSkippedCounter(dataset, "null or empty text");
        int textIndex = dataset.schema().fieldIndex($(textCol));
        int pairIndex = pairColOrNull() == null ? -1 : dataset.schema().fieldIndex(pairColOrNull());
        PartitionLabeller f = new PartitionLabeller(modelOrNull(), $(adapter), $(precision()), batch(), textIndex, pairIndex,
                task.isRegression(), task.isMultiLabel(), skipped);
        return dataset.toDF().mapPartitions(f, Encoders.row(out));
    }

    public static MLReader<DcftPredictor> read() {
        return new DefaultParamsReader<>();
    }

    public static DcftPredictor load(String path) {
        return read().load(path);
    }

    /** What runs on the executors: only serialisable settings travel; the model comes from {@link ExecutorModels}. */
    static final class PartitionLabeller implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final String model;
        private final String adapter;
        private final String precision;
        private final int batch;
        private final int textIndex;
        private final int pairIndex;
        private final boolean regression;
        private final boolean multiLabel;
        private final LongAccumulator skipped;

        PartitionLabeller(String model, String adapter, String precision, int batch, int textIndex, int pairIndex, boolean regression,
                boolean multiLabel, LongAccumulator skipped) {
            this.model = model;
            this.adapter = adapter;
            this.precision = precision;
            this.batch = batch;
            this.textIndex = textIndex;
            this.pairIndex = pairIndex;
            this.regression = regression;
            this.multiLabel = multiLabel;
            this.skipped = skipped;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Predictor p = ExecutorModels.predictor(model, adapter, precision);
            return new Chunked<>(rows, batch * LengthGroups.CHUNK_BATCHES, chunk -> label(p, chunk));
        }

        private List<Row> label(Predictor p, List<Row> chunk) {
            List<Integer> real = new ArrayList<>();
            List<Predictor.Input> inputs = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                Row r = chunk.get(i);
                String text = r.isNullAt(textIndex) ? null : r.getString(textIndex);
                String pair = pairIndex < 0 || r.isNullAt(pairIndex) ? null : r.getString(pairIndex);
                if (text == null || text.isEmpty() || (pairIndex >= 0 && (pair == null || pair.isEmpty()))) {
                    skipped.add(1);
                    continue;
                }
                real.add(i);
                inputs.add(new Predictor.Input(text, pair));
            }
            Predictor.Prediction[] preds = new Predictor.Prediction[chunk.size()];
            List<Predictor.Prediction> got;
            synchronized (p) {
                got = p.predict(inputs, batch); // batches cut from the chunk sorted by token length
            }
            for (int k = 0; k < real.size(); k++) {
                preds[real.get(k)] = got.get(k);
            }
            List<Row> out = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                out.add(withOutputs(chunk.get(i), preds[i]));
            }
            return out;
        }

        private Row withOutputs(Row r, Predictor.Prediction p) {
            List<Object> values = new ArrayList<>(r.size() + 4);
            for (int i = 0; i < r.size(); i++) {
                values.add(r.get(i));
            }
            if (regression) {
                values.add(p == null ? null : p.score());
            } else {
                values.add(p == null ? null : p.label());
                values.add(p == null ? null : p.score());
                values.add(p == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(new LinkedHashMap<>(p.probabilities())));
                if (multiLabel) {
                    values.add(p == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(p.labels()).toSeq());
                }
            }
            return RowFactory.create(values.toArray());
        }
    }
}
