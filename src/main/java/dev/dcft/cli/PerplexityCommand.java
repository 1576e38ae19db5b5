package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.decoder.Perplexity;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "perplexity", description = {"Scores texts under a decoder: per text the tokens scored (all after the first) and their mean"
        + " negative log-likelihood; the perplexity is exp(total NLL / total tokens).",
    "Example: dcft perplexity --model ~/models/SmolLM2-135M --input notes.txt --json"})
final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    DecoderOptions decoder = new DecoderOptions();

    @Option(names = "--input", paramLabel = "FILE", description = "Texts, one per non-empty line.")
    Path input;

    @Option(names = "--json", description = "Print {\"results\":[{\"tokens\", \"nll\"}], \"perplexity\"}.")
    boolean json;

    @Parameters(arity = "0..*", paramLabel = "TEXT")
    List<String> texts = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(texts);
        if (input != null) {
            for (String line : Files.readAllLines(input)) {
                if (!line.isBlank()) {
                    all.add(line);
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no texts: give TEXT arguments or --input FILE");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Decoder d = decoder.open()) {
            List<Perplexity.Score> scores = new Perplexity(d).scoreAll(all);
            double ppl = Perplexity.perplexity(scores);
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode root = mapper.createObjectNode();
                ArrayNode results = root.putArray("results");
                for (Perplexity.Score s : scores) {
                    results.addObject().put("tokens", s.tokens()).put("nll", s.nll());
                }
                root.put("perplexity", ppl);
                out.println(mapper.writeValueAsString(root));
            } else {
                for (int i = 0; i < all.size(); i++) {
                    out.printf("%6d tokens  nll %.4f  %s%n", scores.get(i).tokens(), scores.get(i).nll(), all.get(i));
                }
                out.printf("perplexity %.4f%n", ppl);
            }
        }
        return 0;
    }
}
