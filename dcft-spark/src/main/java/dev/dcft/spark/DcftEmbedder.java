package dev.dcft.spark;

import dev.dcft.model.LoadedModel;
import dev.dcft.model.SentenceEmbedder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
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
 * Sentence embeddings of a text column, as {@code dcft embed} computes them (the model's pooling, L2-normalised), in
 * {@code embedding} (array&lt;float&gt;). The model loads once per executor JVM; null or empty texts get null and are
 * counted ({@link #skippedRows()}).
 */
public class DcftEmbedder extends DcftTransformer<DcftEmbedder> {
    private static final long serialVersionUID = 1L;

    private final Param<String> textCol;
    private final Param<String> outputCol;

    public DcftEmbedder() {
        this(Identifiable$.MODULE$.randomUID("dcftEmbedder"));
    }

    public DcftEmbedder(String uid) {
        super(uid, "an embedded model's name or a model directory (any Hadoop path)", "minilm-l6");
        textCol = new Param<>(this, "textCol", "the column holding the text");
        outputCol = new Param<>(this, "outputCol", "output: the embedding");
        setDefault(textCol, "text");
        setDefault(outputCol, "embedding");
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public DcftEmbedder setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    public DcftEmbedder setOutputCol(String v) {
        set(outputCol, v);
        return this;
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
        ExecutorModels.embedder($(model()), $(precision())); // a model that does not load fails here, on the driver
        LongAccumulator skipped = newSkippedCounter(dataset, "null or empty text");
        return dataset.toDF().mapPartitions(new PartitionEmbedder($(model()), $(precision()), batch(),
                dataset.schema().fieldIndex($(textCol)), skipped), Encoders.row(out));
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
