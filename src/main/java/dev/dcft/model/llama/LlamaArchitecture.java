package dev.dcft.model.llama;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.Architecture;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Llama, Mistral and Qwen2 decoders as the base of the encoder tasks (GLUE, users' classification and regression
 * files): {@link LlamaEncoder} with Hugging Face's {@code *ForSequenceClassification} paths. Causal-LM training and
 * generation load the whole {@link LlamaModel} through {@code model/decoder} instead.
 */
public final class LlamaArchitecture implements Architecture {
    /** PEFT's default target_modules for llama, mistral and qwen2 (its TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
    public static final List<String> TARGET_MODULES = List.of("q_proj", "v_proj");

    @Override
    public Set<String> modelTypes() {
        return LlamaConfig.MODEL_TYPES;
    }

    @Override
    public EncoderConfig config(ObjectNode json, String source) {
        return new LlamaEncoderConfig(json, source);
    }

    /** A causal LM's {@code lm_head} has no place on a classifier; everything else keeps its name ({@code score.weight} too). */
    @Override
    public Map<String, HostTensor> normalise(Map<String, HostTensor> raw) {
        Map<String, HostTensor> out = new LinkedHashMap<>(raw);
        out.remove("lm_head.weight");
        return out;
    }

    @Override
    public Encoder create(NDManager manager, EncoderConfig config, Set<String> tensorNames) {
        return new LlamaEncoder(manager, (LlamaEncoderConfig) config);
    }

    @Override
    public List<String> targetModules() {
        return TARGET_MODULES;
    }

    @Override
    public List<String> attentionProjections() {
        return List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj");
    }

    /** The seven projections of every layer, k and v as wide as the grouped-query heads make them. */
    @Override
    public List<AdaptableLinear> adaptableLinears(JsonNode config, String source) {
        LlamaConfig c = LlamaConfig.fromJson(config, source);
        int q = c.heads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        List<AdaptableLinear> out = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new AdaptableLinear(p + "self_attn.q_proj", c.hiddenSize(), q));
            out.add(new AdaptableLinear(p + "self_attn.k_proj", c.hiddenSize(), kv));
            out.add(new AdaptableLinear(p + "self_attn.v_proj", c.hiddenSize(), kv));
            out.add(new AdaptableLinear(p + "self_attn.o_proj", q, c.hiddenSize()));
            out.add(new AdaptableLinear(p + "mlp.gate_proj", c.hiddenSize(), c.intermediateSize()));
            out.add(new AdaptableLinear(p + "mlp.up_proj", c.hiddenSize(), c.intermediateSize()));
            out.add(new AdaptableLinear(p + "mlp.down_proj", c.intermediateSize(), c.hiddenSize()));
        }
        return out;
    }
}
