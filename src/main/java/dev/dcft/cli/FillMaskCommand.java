package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.FillMask;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fill-mask", description = {"Predicts the token at each [MASK] with the model's MLM head (cls.predictions):"
        + " softmax over the vocabulary, the top K. Example: dcft fill-mask --model bert-base-uncased \"Hello I'm a [MASK] model.\""})
final class FillMaskCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption = new ModelOption();

    @Mixin
    PrecisionOption precisionOption = new PrecisionOption();

    @Option(names = "--top-k", defaultValue = "5", description = "Candidates per mask. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--json", description = "Print {\"results\":[{\"text\", \"top\":[{\"token_str\", \"token\", \"score\"}]}]}"
            + " (texts with several masks also get \"masks\": one such list per mask).")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts, each with at least one [MASK].")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (topK < 1) {
            throw new IllegalArgumentException("--top-k must be at least 1");
        }
        try (LoadedModel m = ModelLoader.load(modelOption.model, precisionOption.value())) {
            List<FillMask.Result> results = new FillMask(m).predict(texts, topK);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode root = mapper.createObjectNode();
                ArrayNode arr = root.putArray("results");
                for (FillMask.Result r : results) {
                    ObjectNode o = arr.addObject();
                    o.put("text", r.text());
                    candidates(o.putArray("top"), r.masks().get(0));
                    if (r.masks().size() > 1) {
                        ArrayNode masks = o.putArray("masks");
                        r.masks().forEach(c -> candidates(masks.addArray(), c));
                    }
                }
                out.println(mapper.writeValueAsString(root));
            } else {
                for (FillMask.Result r : results) {
                    out.println(r.text());
                    for (int k = 0; k < r.masks().size(); k++) {
                        if (r.masks().size() > 1) {
                            out.printf("  mask %d%n", k + 1);
                        }
                        for (FillMask.Candidate c : r.masks().get(k)) {
                            out.printf("  %-20s %8.4f  (id %d)%n", c.tokenStr(), c.score(), c.token());
                        }
                    }
                }
            }
        }
        return 0;
    }

    private static void candidates(ArrayNode a, List<FillMask.Candidate> list) {
        for (FillMask.Candidate c : list) {
            ObjectNode o = a.addObject();
            o.put("token_str", c.tokenStr());
            o.put("token", c.token());
            o.put("score", c.score());
        }
    }
}
