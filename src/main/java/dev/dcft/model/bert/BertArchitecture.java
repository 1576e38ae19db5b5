package dev.dcft.model.bert;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import dev.dcft.model.Architecture;
import dev.dcft.model.Encoder;
import dev.dcft.model.EncoderConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** BERT, RoBERTa, XLM-R, CamemBERT and their sentence-embedding descendants (MiniLM, bge, e5). */
public final class BertArchitecture implements Architecture {
    /** PEFT's default target_modules for the family: all six matrices of every layer (SPEC section 2). */
    public static final List<String> TARGET_MODULES = List.of("query", "key", "value", "attention.output.dense", "intermediate.dense",
            "output.dense");

    @Override
    public List<String> targetModules() {
        return TARGET_MODULES;
    }

    @Override
    public List<String> attentionProjections() {
        return List.of("attention.self.query", "attention.self.key", "attention.self.value");
    }

    @Override
    public Set<String> modelTypes() {
        return BertConfig.BERT_TYPES;
    }

    @Override
    public EncoderConfig config(ObjectNode json, String source) {
        return BertConfig.fromJson(json, source);
    }

    @Override
    public Map<String, HostTensor> normalise(Map<String, HostTensor> raw) {
        return BertWeights.normalise(raw);
    }

    @Override
    public Encoder create(NDManager manager, EncoderConfig config, Set<String> tensorNames) {
        return new BertModel(manager, (BertConfig) config, tensorNames.contains("pooler.dense.weight"));
    }
}
