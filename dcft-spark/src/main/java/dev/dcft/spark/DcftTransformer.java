package dev.dcft.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.util.LongAccumulator;

/**
 * What the three transformers share: the base model, how many inputs go through it together, how its frozen weights are
 * stored, the counter of rows skipped for a null or empty input, and Spark ML's persistence (every param saved by
 * {@link DefaultParamsWritable}, read back by the subclass's {@code read()}).
 *
 * @param <T> the concrete transformer, which the setters return
 */
public abstract class DcftTransformer<T extends DcftTransformer<T>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final IntParam batchSize;
    private final Param<String> precision;
    private transient LongAccumulator skipped;

    protected DcftTransformer(String uid, String modelDoc, String defaultModel) {
        this.uid = uid;
        model = new Param<>(this, "model", modelDoc);
        batchSize = new IntParam(this, "batchSize", "inputs per forward pass", ParamValidators.<Object>gtEq(1.0));
        precision = new Param<>(this, "precision", "how the frozen base is stored: fp32, bf16 or auto");
        setDefault(model, defaultModel);
        setDefault(batchSize, 32);
        setDefault(precision, "fp32");
    }

    @SuppressWarnings("unchecked")
    protected final T self() {
        return (T) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> precision() {
        return precision;
    }

    public T setModel(String v) {
        set(model, v);
        return self();
    }

    public T setBatchSize(int v) {
        set(batchSize, v);
        return self();
    }

    public T setPrecision(String v) {
        set(precision, v);
        return self();
    }

    /** Rows of the last {@link #transform} with a null or empty input (exact once an action has run on its result). */
    public LongAccumulator skippedRows() {
        return skipped;
    }

    /** A new skipped-rows counter for a transform of {@code dataset} (an accumulator: Spark's UI shows it by name). */
    protected LongAccumulator newSkippedCounter(Dataset<?> dataset, String what) {
        skipped = dataset.sparkSession().sparkContext().longAccumulator("dcft: rows with " + what);
        return skipped;
    }

    /** {@link #batchSize()} as an int (an IntParam is a Param of Object to Java). */
    protected int batch() {
        Object b = $(batchSize);
        return (Integer) b;
    }

    /** The model param, null when empty (then a run directory's own base). */
    protected String modelOrNull() {
        String m = $(model);
        return m == null || m.isEmpty() ? null : m;
    }

    @Override
    public T copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
