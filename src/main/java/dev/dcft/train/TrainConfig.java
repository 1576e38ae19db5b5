package dev.dcft.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.MethodOption;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.TargetModules;
import dev.dcft.engine.Precision;
import java.util.List;
import java.util.Map;

/**
 * Everything a run depends on; written to RUN_DIR/config.json so that a run can be repeated or
 * resumed. Built only by {@link Builder} (presets, CLI, API). Step counts are optimizer steps;
 * {@code maxSteps} 0 means "the epochs decide". {@code data} is null for GLUE tasks.
 *
 * <p>{@code method} is an adapter method's name ({@code dcft}, {@code lora}, ...) or a baseline
 * ({@code head}, {@code full}); {@code adapter} holds that method's options, every default filled
 * in ({@link dev.dcft.adapters.MethodConfig#options}), as one nested value the method reads.
 *
 * <p>{@code headLr} and {@code headWeightDecay} are the rate and decay of the modules saved whole
 * (pooler, classifier, qa_outputs): null means the adapter's ({@code lr}, {@code weightDecay}), as
 * PEFT trains them. {@code holdout} above 0 holds out that seeded, stratified fraction of the
 * training data for evaluation and best-checkpoint selection, so that no setting is chosen on the
 * dev set that is then reported.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainConfig(
        String task,
        String model,
        String method,
        MethodOptions adapter,
        List<String> targets,
        String targetRegex,
        double lr,
        double epochs,
        int maxSteps,
        int batch,
        int maxLen,
        int warmupSteps,
        double warmupRatio,
        double weightDecay,
        double clsDropout,
        double clipNorm,
        int evalEvery,
        int saveEvery,
        long seed,
        int threads,
        int trainLimit,
        int evalLimit,
        boolean skipBadRows,
        String preset,
        DataConfig data,
        String precision,
        boolean groupByLength,
        Double headLr,
        Double headWeightDecay,
        double holdout) {

    /** The task name GLUE runs carry; runs on the user's files are "custom". */
    public static final String CUSTOM = "custom";

    public TrainConfig {
        adapter = adapter == null ? MethodOptions.empty() : adapter;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public boolean isCustom() {
        return data != null && data.trainFile() != null && !isSquad() && !isCausalLm();
    }

    /** The task of decoder runs on the user's JSONL (text, prompt/completion or messages). */
    public static final String CAUSAL_LM = "causal-lm";

    public boolean isCausalLm() {
        return CAUSAL_LM.equals(task);
    }

    /** SQuAD v1.1 ({@code squad}) or v2.0 ({@code squad2}). */
    public boolean isSquad() {
        return "squad".equals(task) || isSquadV2();
    }

    public boolean isSquadV2() {
        return "squad2".equals(task);
    }

    public TrainConfig withTask(String t) {
        return toBuilder().task(t).build();
    }

    public TrainConfig withData(DataConfig d) {
        return toBuilder().data(d).build();
    }

    /** The head's own rate and decay (null: the adapter's) and the held-out fraction of the training data (0: none). */
    public TrainConfig withHeadAndHoldout(Double headRate, Double headDecay, double heldOut) {
        return toBuilder().headLr(headRate).headWeightDecay(headDecay).holdout(heldOut).build();
    }

    /** What the run puts on the model, its default target_modules those of the base's architecture. */
    public AdapterSpec spec(List<String> defaultTargets) {
        AdapterSpec baseline = AdapterSpec.baseline(method);
        if (baseline != null) {
            return baseline;
        }
        TargetModules t = TargetModules.of(targets, targetRegex, defaultTargets);
        return AdapterSpec.of(AdapterMethods.forName(method, adapter).configure(adapter, t));
    }

    /** The peak learning rate of the head (pooler, classifier, qa_outputs). */
    public double headRate() {
        return headLr != null ? headLr : lr;
    }

    /** The head's decoupled weight decay. */
    public double headDecay() {
        return headWeightDecay != null ? headWeightDecay : weightDecay;
    }

    /** Whether evaluation and best-checkpoint selection use a slice of the training data instead of the dev set. */
    public boolean heldOut() {
        return holdout > 0;
    }

    /** How the frozen base is stored and multiplied; runs written before the option existed are fp32. */
    public Precision precisionMode() {
        return precision == null ? Precision.FP32 : Precision.parse(precision);
    }

    /** Warmup in steps: explicit steps win, else a ratio of the total. */
    public int warmup(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.round(warmupRatio * totalSteps);
    }

    /**
     * A config.json written before methods kept their options under {@code adapter} (flat
     * {@code kernel}, {@code rank}, {@code gamma}, {@code lora: {rslora, ...}}): the same
     * configuration in today's form, so that old runs resume, evaluate and serve unchanged.
     */
    public static ObjectNode upgrade(ObjectNode c) {
        if (c.has("adapter") || AdapterSpec.baseline(c.path("method").asText("dcft")) != null) {
            return c;
        }
        ObjectNode o = c.deepCopy();
        MethodOptions legacy = MethodOptions.empty();
        for (Map.Entry<String, String> e : Map.of("kernel", "kernel", "stride", "stride", "rank", "rank", "alpha", "alpha", "init", "init",
                "adapterDropout", "adapter-dropout", "gamma", "gamma", "regForm", "reg-form").entrySet()) {
            if (c.hasNonNull(e.getKey())) {
                legacy = legacy.with(e.getValue(), c.get(e.getKey()));
            }
        }
        JsonNode lora = c.path("lora");
        if (lora.isObject()) {
            legacy = legacy.with("rslora", lora.path("rslora").asBoolean(false) ? Boolean.TRUE : null);
            legacy = legacy.with("rank-pattern", lora.path("rankPattern").isObject() && !lora.path("rankPattern").isEmpty()
                    ? lora.get("rankPattern") : null);
            legacy = legacy.with("alpha-pattern", lora.path("alphaPattern").isObject() && !lora.path("alphaPattern").isEmpty()
                    ? lora.get("alphaPattern") : null);
        }
        AdapterMethod m = AdapterMethods.forName(c.path("method").asText("dcft"), legacy);
        MethodOptions kept = MethodOptions.empty();
        for (MethodOption opt : m.options()) {
            if (legacy.has(opt.name())) {
                kept = kept.with(opt.name(), legacy.json().get(opt.name()));
            }
        }
        o.set("adapter", kept.json());
        return o;
    }

    /** The one place a {@link TrainConfig} is made. */
    public static final class Builder {
        private String task;
        private String model;
        private String method = "dcft";
        private MethodOptions adapter = MethodOptions.empty();
        private List<String> targets;
        private String targetRegex;
        private double lr;
        private double epochs;
        private int maxSteps;
        private int batch;
        private int maxLen;
        private int warmupSteps;
        private double warmupRatio;
        private double weightDecay;
        private double clsDropout;
        private double clipNorm;
        private int evalEvery;
        private int saveEvery;
        private long seed;
        private int threads;
        private int trainLimit;
        private int evalLimit;
        private boolean skipBadRows;
        private String preset;
        private DataConfig data;
        private String precision;
        private boolean groupByLength;
        private Double headLr;
        private Double headWeightDecay;
        private double holdout;

        private Builder() {
        }

        private Builder(TrainConfig c) {
            task = c.task;
            model = c.model;
            method = c.method;
            adapter = c.adapter;
            targets = c.targets;
            targetRegex = c.targetRegex;
            lr = c.lr;
            epochs = c.epochs;
            maxSteps = c.maxSteps;
            batch = c.batch;
            maxLen = c.maxLen;
            warmupSteps = c.warmupSteps;
            warmupRatio = c.warmupRatio;
            weightDecay = c.weightDecay;
            clsDropout = c.clsDropout;
            clipNorm = c.clipNorm;
            evalEvery = c.evalEvery;
            saveEvery = c.saveEvery;
            seed = c.seed;
            threads = c.threads;
            trainLimit = c.trainLimit;
            evalLimit = c.evalLimit;
            skipBadRows = c.skipBadRows;
            preset = c.preset;
            data = c.data;
            precision = c.precision;
            groupByLength = c.groupByLength;
            headLr = c.headLr;
            headWeightDecay = c.headWeightDecay;
            holdout = c.holdout;
        }

        public Builder task(String v) { task = v; return this; }
        public Builder model(String v) { model = v; return this; }
        /** The method; options set before for another method are kept only where the new one reads them. */
        public Builder method(String v) { method = v; return this; }
        /** The method's options, replacing any set before. */
        public Builder adapter(MethodOptions v) { adapter = v == null ? MethodOptions.empty() : v; return this; }
        /** One option of the method (null: its default). */
        public Builder option(String name, Object value) { adapter = adapter.with(name, value); return this; }
        public Builder targets(List<String> v) { targets = v; return this; }
        public Builder targetRegex(String v) { targetRegex = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder epochs(double v) { epochs = v; return this; }
        public Builder maxSteps(int v) { maxSteps = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder maxLen(int v) { maxLen = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clsDropout(double v) { clsDropout = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder saveEvery(int v) { saveEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder evalLimit(int v) { evalLimit = v; return this; }
        public Builder skipBadRows(boolean v) { skipBadRows = v; return this; }
        public Builder preset(String v) { preset = v; return this; }
        public Builder data(DataConfig v) { data = v; return this; }
        public Builder precision(String v) { precision = v; return this; }
        public Builder groupByLength(boolean v) { groupByLength = v; return this; }
        public Builder headLr(Double v) { headLr = v; return this; }
        public Builder headWeightDecay(Double v) { headWeightDecay = v; return this; }
        public Builder holdout(double v) { holdout = v; return this; }

        public String method() {
            return method;
        }

        public MethodOptions adapter() {
            return adapter;
        }

        public double lr() {
            return lr;
        }

        public int maxLen() {
            return maxLen;
        }

        /**
         * The config, the method's options checked and completed with its defaults (a baseline takes
         * none): an option the method does not read is one clear error.
         */
        public TrainConfig build() {
            MethodOptions complete = MethodOptions.empty();
            AdapterSpec baseline = AdapterSpec.baseline(method);
            if (baseline == null) {
                AdapterMethod m = AdapterMethods.forName(method, adapter);
                complete = m.configure(adapter, TargetModules.names(List.of("*"))).options();
                method = m.name();
            } else if (!adapter.names().isEmpty()) {
                throw new IllegalArgumentException("--" + adapter.names().get(0) + " goes with --method "
                        + AdapterMethods.readersOf(adapter.names().get(0)).replace(", ", " or ") + ", not " + method);
            } else {
                method = baseline.methodName();
            }
            return new TrainConfig(task, model, method, complete, targets, targetRegex, lr, epochs, maxSteps, batch, maxLen, warmupSteps,
                    warmupRatio, weightDecay, clsDropout, clipNorm, evalEvery, saveEvery, seed, threads, trainLimit, evalLimit,
                    skipBadRows, preset, data, precision, groupByLength, headLr, headWeightDecay, holdout);
        }
    }
}
