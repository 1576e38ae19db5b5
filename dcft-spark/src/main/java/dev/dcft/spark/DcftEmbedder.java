package dev.dcft.spark;

import dev.dcft.model.LoadedModel;
import dev.dcft.model.SentenceEmbedder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
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
 * Sentence embeddings of a text column, as {@code dcft embed} computes them (the model's pooling, L2-normalised), in
 * {@code embedding} (array&lt;float&gt;). The model loads once per executor JVM; null or empty texts get null and are
 * counted ({@link #skippedRows()}).
 */
public class DcftEmbedder extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final Param<String> model;
    private final Param<String> textCol;
    private final Param<String> outputCol;
    private final IntParam batchSize;
    private final Param<String> precision;
    private final String uid;
    private transient LongAccumulator skipped;

    public DcftEmbedder() {
        this(Identifiable$.MODULE$.randomUID("dcftEmbedder"));
    }

    public DcftEmbedder(String uid) {
        this.uid = uid;
        model = new Param<>(this, "model", "an embedded model's name or a model directory (any Hadoop path)");
        textCol = new Param<>(this, "textCol", "the column holding the text");
        outputCol = new Param<>(this, "outputCol", "output: the embedding");
        batchSize = new IntParam(this, "batchSize", "texts per forward pass", ParamValidators.<Object>gtEq(1.0));
        precision = new Param<>(this, "precision", "how the model is stored: fp32, bf16 or auto");
        setDefault(model, "minilm-l6");
        setDefault(textCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(batchSize, 32);
        setDefault(precision, "fp32");
    }

    /** {@link #batchSize()} as an int (an IntParam is a Param of Object to Java). */
    private int batch() {
        Object b = $(batchSize);
        return (Integer) b;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> precision() {
        return precision;
    }

    public DcftEmbedder setModel(String v) {
        set(model, v);
        return this;
    }

    public DcftEmbedder setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    public DcftEmbedder setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public DcftEmbedder setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public DcftEmbedder setPrecision(String v) {
        set(precision, v);
        return this;
    }

    /** Rows of the last {@link #transform} whose text was null or empty (exact once an action has run on its result). */
    public LongAccumulator skippedRows() {
        return skipped;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains($(textCol)) || !schema.apply($(textCol)).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("DcftEmbedder: no string column '" + $(textCol) + "' in " + names);
        }
        if (names.contains($(outputCol))) {
            throw new IllegalArgumentException("DcftEmbedder: the input already has a column '" + $(outputCol) + "'");
        }
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        fields.add(DataTypes.createStructField($(outputCol), DataTypes.createArrayType(DataTypes.FloatType, false), true));
        return new StructType(fields.toArray(new StructField[0]));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        ExecutorModels.embedder($(model), $(precision)); // a model that does not load fails here, on the driver
        skipped = dataset.sparkSession().sparkContext().longAccumulator("dcft: rows with null or empty text");
        return dataset.toDF().mapPartitions(new PartitionEmbedder($(model), $(precision), batch(),
                dataset.schema().fieldIndex($(textCol)), skipped), Encoders.row(out));
    }

    @Override
    public DcftEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<DcftEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    public static DcftEmbedder load(String path) {
        return read().load(path);
    }

    static final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final String model;
        private final String precision;
        private final int batch;
        private final int textIndex;
        private final LongAccumulator skipped;

        PartitionEmbedder(String model, String precision, int batch, int textIndex, LongAccumulator skipped) {
            this.model = model;
            this.precision = precision;
            this.batch = batch;
            this.textIndex = textIndex;
            this.skipped = skipped;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            LoadedModel m = ExecutorModels.embedder(model, precision);
            SentenceEmbedder embedder = new SentenceEmbedder(m, batch);
            return new Chunked<>(rows, batch * LengthGroups.CHUNK_BATCHES, chunk -> {
                List<Integer> real = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    Row r = chunk.get(i);
                    String t = r.isNullAt(textIndex) ? null : r.getString(textIndex);
                    if (t == null || t.isEmpty()) {
                        skipped.add(1);
                    } else {
                        real.add(i);
                        texts.add(t);
                    }
                }
                float[][] vectors = new float[chunk.size()][];
                List<float[]> got = LengthGroups.run(texts, batch, String::length, part -> {
                    synchronized (m) {
                        return Arrays.asList(embedder.embed(part));
                    }
                });
                for (int k = 0; k < real.size(); k++) {
                    vectors[real.get(k)] = got.get(k);
                }
                List<Row> out = new ArrayList<>(chunk.size());
                for (int i = 0; i < chunk.size(); i++) {
                    Row r = chunk.get(i);
                    Object[] values = new Object[r.size() + 1];
                    for (int j = 0; j < r.size(); j++) {
                        values[j] = r.get(j);
                    }
                    values[r.size()] = vectors[i];
                    out.add(RowFactory.create(values));
                }
                return out;
            });
        }
    }
}
