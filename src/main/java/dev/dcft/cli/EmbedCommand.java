package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.model.SentenceEmbedder;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "embed", description = {"Sentence embeddings: mean of the last hidden states over the attention mask,"
        + " L2-normalised. Texts are truncated where the model's tokenizer.json says (128 tokens for minilm-l6),"
        + " else at its position limit;"
        + " the empty string is embedded as [CLS] [SEP]."})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Option(names = "--json", description = "Print {\"model\", \"dim\", \"embeddings\"} as JSON.")
    boolean json;

    @Option(names = "--batch", defaultValue = "32", description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to embed.")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1");
        }
        try (LoadedModel m = ModelLoader.load(modelOption.model, precisionOption.value())) {
            float[][] vectors = new SentenceEmbedder(m, batch).embed(texts);
            var out = spec.commandLine().getOut();
            int dim = m.model().config().hiddenSize;
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.put("model", m.name());
                o.put("dim", dim);
                ArrayNode all = o.putArray("embeddings");
                for (float[] v : vectors) {
                    ArrayNode row = all.addArray();
                    for (float x : v) {
                        row.add(x);
                    }
                }
                out.println(mapper.writeValueAsString(o));
            } else {
                for (int i = 0; i < vectors.length; i++) {
                    StringBuilder sb = new StringBuilder();
                    for (int j = 0; j < Math.min(6, dim); j++) {
                        sb.append(String.format("%+.4f ", vectors[i][j]));
                    }
                    String t = texts.get(i);
                    String shown = t.length() > 40 ? t.substring(0, 37) + "..." : t;
                    out.printf("%-42s [%s... ] dim %d%n", "\"" + shown + "\"", sb.toString().trim(), dim);
                }
            }
        }
        return 0;
    }
}
