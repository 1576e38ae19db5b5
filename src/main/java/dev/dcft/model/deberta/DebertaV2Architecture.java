package dev.dcft.model.deberta;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import dev.dcft.model.Architecture;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** DeBERTa-v2 and v3 ({@code model_type} deberta-v2). */
public final class DebertaV2Architecture implements Architecture {
    /** The same six matrices under DeBERTa's names. */
    public static final List<String> TARGET_MODULES = List.of("query_proj", "key_proj", "value_proj", "attention.output.dense",
            "intermediate.dense", "output.dense");

    @Override
    public List<String> targetModules() {
        return TARGET_MODULES;
    }

    @Override
    public List<String> attentionProjections() {
        return List.of("attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj");
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("deberta-v2");
    }

    @Override
    public EncoderConfig config(ObjectNode json, String source) {
        return DebertaV2Config.fromJson(json, source);
    }

    /** Drops the task model's {@code deberta.} prefix; the pooler and heads are top-level already. */
    @Override
    public Map<String, HostTensor> normalise(Map<String, HostTensor> raw) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.startsWith("deberta.") ? k.substring("deberta.".length()) : k, v));
        return out;
    }

    @Override
    public Encoder create(NDManager manager, EncoderConfig config, Set<String> tensorNames) {
        return new DebertaV2Model(manager, (DebertaV2Config) config, tensorNames.contains("pooler.dense.weight"));
    }
}
