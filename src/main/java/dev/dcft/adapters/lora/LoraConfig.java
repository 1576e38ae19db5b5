package dev.dcft.adapters.lora;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftCommonFields;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.adapters.serving.ThinFactors;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.nn.Linear;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * LoRA as PEFT defines it: rank r, scale {@code alpha / r} ({@code alpha / sqrt(r)} with rsLoRA),
 * dropout on the adapter's input; per-module ranks and alphas by PEFT's {@code rank_pattern} and
 * {@code alpha_pattern} (the first key that matches the end of the module's key after a dot, as a
 * regular expression); {@code bias} ("none", "all" or "lora_only": which base biases the file
 * carries, replacing the base's) and {@code loraBias} (a trainable bias on {@code lora_B}, scaled
 * like the product and folded into the base bias on merge).
 */
public record LoraConfig(int rank, double alpha, double dropout, TargetModules targets, boolean rslora, Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern, String bias, boolean loraBias) implements MethodConfig {
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        rankPattern = rankPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rankPattern));
        alphaPattern = alphaPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(alphaPattern));
        bias = bias == null ? "none" : bias;
        for (int r : rankPattern.values()) {
            if (r < 1) {
                throw new IllegalArgumentException("LoRA rank must be at least 1, got " + r + " in rank_pattern");
            }
        }
    }

    /** Plain LoRA: one rank and alpha for every module, no biases. */
    public LoraConfig(int rank, double alpha, double dropout, TargetModules targets) {
        this(rank, alpha, dropout, targets, false, Map.of(), Map.of(), "none", false);
    }

    /** The scale of a module with the default rank and alpha. */
    public double scale() {
        return scale(rank, alpha);
    }

    private double scale(int r, double a) {
        return rslora ? a / Math.sqrt(r) : a / r;
    }

    /** The rank of the module at {@code path} (our path; matched on PEFT's key). */
    public int rankFor(String path) {
        String k = patternKey(rankPattern.keySet(), targets.keyPrefix() + path);
        return k == null ? rank : rankPattern.get(k);
    }

    public double alphaFor(String path) {
        String k = patternKey(alphaPattern.keySet(), targets.keyPrefix() + path);
        return k == null ? alpha : alphaPattern.get(k);
    }

    public double scaleFor(String path) {
        return scale(rankFor(path), alphaFor(path));
    }

    /**
     * PEFT's {@code get_pattern_key}: the first key (in the file's order) for which
     * {@code (.*\.)?(key)$} matches the start of the module key. Insertion order is kept by the
     * caller's map (the JSON's order).
     */
    static String patternKey(Iterable<String> keys, String moduleKey) {
        for (String key : keys) {
            Pattern p = Pattern.compile("(.*\\.)?(" + key + ")$");
            if (p.matcher(dev.dcft.adapters.RegexBudget.of(moduleKey, p)).lookingAt()) {
                return key;
            }
        }
        return null;
    }

    @Override
    public AdapterMethod method() {
        return LoraMethod.INSTANCE;
    }

    @Override
    public MethodConfig withTargets(TargetModules t) {
        return new LoraConfig(rank, alpha, dropout, t, rslora, rankPattern, alphaPattern, bias, loraBias);
    }

    @Override
    public MethodOptions options() {
        MethodOptions o = MethodOptions.empty().with("rank", rank).with("alpha", alpha).with("adapter-dropout", dropout);
        if (rslora) {
            o = o.with("rslora", true);
        }
        if (!rankPattern.isEmpty()) {
            o = o.with("rank-pattern", rankPattern);
        }
        if (!alphaPattern.isEmpty()) {
            o = o.with("alpha-pattern", alphaPattern);
        }
        return o;
    }

    @Override
    public String describe() {
        return String.format("LoRA r=%d", rank);
    }

    @Override
    public AdapterLayer wrap(NDManager manager, String path, Linear base, SplittableRandom rng) {
        return new LoraLinear(manager, path, base, this, rng);
    }

    @Override
    public long parameterCount(AdaptableLinear layer) {
        return (long) rankFor(layer.path()) * (layer.in() + layer.out()) + (loraBias ? layer.out() : 0);
    }

    @Override
    public void writePeftConfig(ObjectNode o, PeftCommonFields common) {
        ObjectNode alphas = o.putObject("alpha_pattern");
        alphaPattern.forEach((k, v) -> PeftConfigFields.putNumber(alphas, k, v));
        o.putNull("auto_mapping");
        common.putBaseModel(o);
        o.put("bias", bias);
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        PeftConfigFields.putNumber(o, "lora_alpha", alpha);
        if (loraBias) {
            o.put("lora_bias", true); // absent means false to PEFT; plain files keep exactly their old fields
        }
        o.put("lora_dropout", dropout);
        common.putModulesToSave(o);
        o.put("peft_type", "LORA");
        o.put("r", rank);
        ObjectNode ranks = o.putObject("rank_pattern");
        rankPattern.forEach(ranks::put);
        o.putNull("revision");
        PeftConfigFields.putTargets(o, targets);
        common.putTaskType(o);
        o.put("use_dora", false);
        o.put("use_rslora", rslora);
    }

    @Override
    public ServedLayer servedLayer(String module, int in, int out, Map<String, HostTensor> t, boolean bf16) {
        int r = rankFor(module);
        HostTensor av = ThinFactors.tensor(module, t, "lora_A", r, in);
        HostTensor bv = ThinFactors.tensor(module, t, "lora_B", out, r);
        return new ThinFactors(r, in, out, Numbers.of(av.data(), bf16), Numbers.of(ThinFactors.transposed(bv.data(), out, r, scaleFor(module)),
                bf16));
    }

    @Override
    public String changesBase() {
        return !bias.equals("none") ? "bias=\"" + bias + "\"" : loraBias ? "lora_bias=true" : null;
    }
}
