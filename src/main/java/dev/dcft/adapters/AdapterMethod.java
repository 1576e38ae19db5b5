package dev.dcft.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * One adapter method, as a folder of PEFT's {@code tuners/}: a package under {@code adapters/}
 * whose class implementing this is listed once in {@link AdapterMethods}. It owns its name and
 * options, turns options into its {@link MethodConfig} (with defaults), reads its fields of PEFT's
 * {@code adapter_config.json}, and names its tensors; the config then builds layers, counts
 * parameters, writes the file's fields, and gives the serving form. Nothing outside the package
 * tests which method it is.
 */
public interface AdapterMethod {
    /** The CLI and API name ({@code --method dcft}); variants share their base's name ({@link #selects}). */
    String name();

    /** PEFT's {@code peft_type} ({@code "LORA"}). */
    String peftType();

    /** One line for {@code --method}'s help. */
    String summary();

    /** The options it reads; unknown ones are refused by {@link #configure}. */
    List<MethodOption> options();

    /**
     * Whether these options choose this method among those sharing its {@link #name} (DoRA is
     * {@code --method lora --dora}): the registry asks in registration order.
     */
    default boolean selects(MethodOptions given) {
        return true;
    }

    /** The peak learning rate of the {@code cpu} preset (a budget of a few hundred steps on MiniLM). */
    double cpuLearningRate();

    /**
     * Options the {@code paper} preset sets from SPEC section 5's row for a task (the paper's
     * {@code lora_alpha} and regulariser weight); none by default.
     */
    default MethodOptions paperOptions(double paperAlpha, double gamma) {
        return MethodOptions.empty();
    }

    /** A complete configuration from {@code given} (defaults filled); one clear line on a bad or foreign option. */
    MethodConfig configure(MethodOptions given, TargetModules targets);

    /** Whether PEFT's {@code adapter_config.json} {@code c} is this method's (asked in registration order). */
    default boolean reads(JsonNode c) {
        return peftType().equals(c.path("peft_type").asText(""));
    }

    /**
     * The configuration in PEFT's file {@code c}; {@code keyPrefix} is the base's path inside the
     * model PEFT wrapped ("" or "bert."). Refuses, by name, any field whose value it cannot honour.
     */
    MethodConfig readPeftConfig(JsonNode c, String keyPrefix);

    /**
     * Letters that name its integer options in benchmark method names ({@code dcft-d8-t4-r2}:
     * {@code d} kernel, {@code t} stride, {@code r} rank); none by default.
     */
    default java.util.Map<String, String> benchKeys() {
        return java.util.Map.of();
    }

    /** Names of the tensors its layers share, stored once as {@code base_model.<name>} (VeRA's {@code vera_A}); none by default. */
    default Set<String> sharedTensorNames() {
        return Set.of();
    }

    /** Its tensors' names after the module path ({@code lora_A.weight}, {@code lora_B.bias}). */
    Set<String> tensorNames();
}
