package dev.dcft.spark;

import dev.dcft.train.QaPostprocess;
import dev.dcft.train.SquadTask;
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
 * Extractive question answering over a DataFrame with a SQuAD run ({@code dcft train --task squad|squad2}), as
 * {@code dcft predict --run RUN --question Q --context C} answers: {@code answer} (the span's text; empty for "no answer" in
 * a v2 run), {@code score}, and the span's character offsets {@code start} and {@code end} in the context. Questions are
 * answered a chunk of a partition at a time (their windows through the model in batches); the model loads once per
 * executor JVM; a null or empty question or context gets nulls and is counted.
 */
public class DcftQuestionAnswerer extends DcftTransformer<DcftQuestionAnswerer> {
    private static final long serialVersionUID = 1L;

    private final Param<String> adapter;
    private final Param<String> questionCol;
    private final Param<String> contextCol;

    public DcftQuestionAnswerer() {
        this(Identifiable$.MODULE$.randomUID("dcftQuestionAnswerer"));
    }

    public DcftQuestionAnswerer(String uid) {
        super(uid, "base model for the run (empty: the run's own), an embedded name or a directory", "");
        adapter = new Param<>(this, "adapter", "a SQuAD run directory of dcft train (any Hadoop path)");
        questionCol = new Param<>(this, "questionCol", "the column holding the question");
        contextCol = new Param<>(this, "contextCol", "the column holding the passage");
        setDefault(questionCol, "question");
        setDefault(contextCol, "context");
    }

    public Param<String> adapter() {
        return adapter;
    }

    public Param<String> questionCol() {
        return questionCol;
    }

    public Param<String> contextCol() {
        return contextCol;
    }

    public DcftQuestionAnswerer setAdapter(String v) {
        set(adapter, v);
        return this;
    }

    public DcftQuestionAnswerer setQuestionCol(String v) {
        set(questionCol, v);
        return this;
    }

    public DcftQuestionAnswerer setContextCol(String v) {
        set(contextCol, v);
        return this;
    }

    private static final List<String> OUTPUTS = List.of("answer", "score", "start", "end");

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : List.of($(questionCol), $(contextCol))) {
            if (!names.contains(c) || !schema.apply(c).dataType().equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("DcftQuestionAnswerer: no string column '" + c + "' in " + names);
            }
        }
        for (String o : OUTPUTS) {
            if (names.contains(o)) {
                throw new IllegalArgumentException("DcftQuestionAnswerer: the input already has a column '" + o + "'");
            }
        }
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        fields.add(DataTypes.createStructField("answer", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("score", DataTypes.DoubleType, true));
        fields.add(DataTypes.createStructField("start", DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField("end", DataTypes.IntegerType, true));
        return new StructType(fields.toArray(new StructField[0]));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (!isSet(adapter)) {
            throw new IllegalArgumentException("DcftQuestionAnswerer: set the adapter (a SQuAD run directory)");
        }
        ExecutorModels.qa(modelOrNull(), $(adapter), $(precision())); // a run that does not load fails here, on the driver
        LongAccumulator skipped = newSkippedCounter(dataset, "null or empty question or context");
        return dataset.toDF().mapPartitions(new PartitionAnswerer(modelOrNull(), $(adapter), $(precision()), batch(),
                dataset.schema().fieldIndex($(questionCol)), dataset.schema().fieldIndex($(contextCol)), skipped), Encoders.row(out));
    }

    public static MLReader<DcftQuestionAnswerer> read() {
        return new DefaultParamsReader<>();
    }

    public static DcftQuestionAnswerer load(String path) {
        return read().load(path);
    }

    static final class PartitionAnswerer implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final String model;
        private final String run;
        private final String precision;
        private final int batch;
        private final int questionIndex;
        private final int contextIndex;
        private final LongAccumulator skipped;

        PartitionAnswerer(String model, String run, String precision, int batch, int questionIndex, int contextIndex, LongAccumulator skipped) {
            this.model = model;
            this.run = run;
            this.precision = precision;
            this.batch = batch;
            this.questionIndex = questionIndex;
            this.contextIndex = contextIndex;
            this.skipped = skipped;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ExecutorModels.QaModel qa = ExecutorModels.qa(model, run, precision);
            return new Chunked<>(rows, batch, chunk -> {
                List<Integer> real = new ArrayList<>();
                List<String> questions = new ArrayList<>();
                List<String> contexts = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    Row r = chunk.get(i);
                    String q = r.isNullAt(questionIndex) ? null : r.getString(questionIndex);
                    String c = r.isNullAt(contextIndex) ? null : r.getString(contextIndex);
                    if (q == null || c == null || q.isBlank() || c.isBlank()) {
                        skipped.add(1);
                    } else {
                        real.add(i);
                        questions.add(q);
                        contexts.add(c);
                    }
                }
                QaPostprocess.Answer[] answers = new QaPostprocess.Answer[chunk.size()];
                if (!real.isEmpty()) {
                    List<QaPostprocess.Answer> got;
                    synchronized (qa) {
                        got = SquadTask.answers(qa.model(), qa.config(), questions, contexts);
                    }
                    for (int k = 0; k < real.size(); k++) {
                        answers[real.get(k)] = got.get(k);
                    }
                }
                List<Row> out = new ArrayList<>(chunk.size());
                for (int i = 0; i < chunk.size(); i++) {
                    Row r = chunk.get(i);
                    QaPostprocess.Answer a = answers[i];
                    Object[] values = new Object[r.size() + 4];
                    for (int j = 0; j < r.size(); j++) {
                        values[j] = r.get(j);
                    }
                    values[r.size()] = a == null ? null : a.text();
                    values[r.size() + 1] = a == null ? null : a.score();
                    values[r.size() + 2] = a == null ? null : a.start();
                    values[r.size() + 3] = a == null ? null : a.end();
                    out.add(RowFactory.create(values));
                }
                return out;
            });
        }
    }
}
