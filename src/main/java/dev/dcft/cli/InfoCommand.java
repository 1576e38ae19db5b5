package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.EncoderConfig;
import dev.dcft.model.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "info", description = "Show a model's architecture and parameter counts by module type.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (LoadedModel m = ModelLoader.load(modelOption.model)) {
            EncoderConfig c = m.model().config();
            Map<String, Parameter> params = new LinkedHashMap<>(m.model().namedParameters());
            if (m.mlmHead() != null) {
                m.mlmHead().namedParameters().forEach((k, v) -> params.put("cls." + k, v));
            }
            Map<String, Long> byType = parameterCountsByModuleType(params);
            long total = byType.values().stream().mapToLong(Long::longValue).sum();
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.put("model", m.name());
                o.put("model_type", c.modelType);
                o.put("layers", c.numLayers);
                o.put("hidden_size", c.hiddenSize);
                o.put("attention_heads", c.numHeads);
                o.put("intermediate_size", c.intermediateSize);
                o.put("vocab_size", c.vocabSize);
                o.put("max_position_embeddings", c.maxPositions);
                o.put("pooler", m.model().hasPooler());
                o.put("mlm_head", m.mlmHead() != null);
                o.put("tensors", params.size());
                o.put("parameters", total);
                ObjectNode per = o.putObject("parameters_by_module_type");
                byType.forEach(per::put);
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf("model              %s%n", m.name());
                out.printf("architecture       %s encoder (%s, %s)%n", c.modelType, m.model().hasPooler() ? "with pooler" : "no pooler",
                        m.mlmHead() != null ? "with MLM head" : "no MLM head");
                out.printf("layers             %d%n", c.numLayers);
                out.printf("hidden size        %d%n", c.hiddenSize);
                out.printf("attention heads    %d (head dim %d)%n", c.numHeads, c.headDim());
                out.printf("intermediate size  %d%n", c.intermediateSize);
                out.printf("vocabulary         %d%n", c.vocabSize);
                out.printf("max positions      %d%n", c.maxPositions);
                out.printf("parameters         %,d in %d tensors%n", total, params.size());
                out.println();
                out.printf("%-40s %14s%n", "module type", "parameters");
                byType.forEach((k, v) -> out.printf("%-40s %,14d%n", k, v));
            }
        }
        return 0;
    }

    /** Groups parameters by module path with the layer index removed: {@code encoder.layer.*.attention.self.query}. */
    static Map<String, Long> parameterCountsByModuleType(Map<String, Parameter> params) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String module = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            String type = module.replaceFirst("^encoder\\.layer\\.\\d+\\.", "encoder.layer.*.");
            out.merge(type, e.getValue().numel(), Long::sum);
        }
        return out;
    }
}
