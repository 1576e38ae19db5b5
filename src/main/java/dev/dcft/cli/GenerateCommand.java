package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.model.decoder.Decoder;
import dev.dcft.model.decoder.GenerationOptions;
import dev.dcft.model.decoder.Generator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {"Continues each prompt with a decoder (Llama, Mistral, Qwen2), optionally with an adapter;"
        + " stops at the model's end-of-sequence ids (generation_config.json) or after --max-new-tokens. Streams on a terminal.",
    "Example: dcft generate --model ~/models/Qwen2.5-0.5B-Instruct --chat --greedy \"Reverse 1234\""})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    DecoderOptions decoder = new DecoderOptions();

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--greedy", description = "The most likely token each time (no sampling).")
    boolean greedy;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "50", description = "Sample from the K most likely tokens (0: all). Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus: the fewest tokens reaching this probability. Default:"
            + " ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--chat", description = "Wrap each prompt as a user message in the model's chat template (with the generation prompt).")
    boolean chat;

    @Option(names = "--json", description = "Print {\"results\":[{\"prompt\", \"text\", \"token_ids\" (new ids only)}]}.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "PROMPT")
    List<String> prompts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GenerationOptions options = new GenerationOptions(maxNewTokens, greedy, temperature, topK, topP, seed);
        PrintWriter out = spec.commandLine().getOut();
        boolean stream = !json && System.console() != null;
        try (Decoder d = decoder.open()) {
            Generator g = new Generator(d);
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            ArrayNode results = root.putArray("results");
            for (String prompt : prompts) {
                long[] ids = chat ? d.encodeChat(prompt) : d.encodePrompt(prompt);
                LineStreamer streamer = new LineStreamer(d, out);
                if (stream) {
                    out.print(prompt);
                    out.flush();
                }
                long[] fresh = g.generate(ids, options, id -> {
                    if (stream) {
                        streamer.add(id);
                    }
                });
                String text = d.tokenizer().decode(fresh, true);
                if (json) {
                    ObjectNode o = results.addObject();
                    o.put("prompt", prompt);
                    o.put("text", text);
                    ArrayNode a = o.putArray("token_ids");
                    for (long id : fresh) {
                        a.add(id);
                    }
                } else if (stream) {
                    streamer.finish();
                } else {
                    out.println(prompt + text);
                }
            }
            if (json) {
                out.println(mapper.writeValueAsString(root));
            }
        }
        return 0;
    }

    /**
     * Prints new tokens' text as it arrives. The tokens since the last printed line break are decoded together (a
     * SentencePiece decoder drops a fragment's leading space, and a character split across byte tokens decodes as U+FFFD
     * until its last byte arrives), so each token costs the decoding of its line, not of everything generated so far.
     */
    static final class LineStreamer {
        private final Decoder decoder;
        private final PrintWriter out;
        private final List<Long> line = new ArrayList<>();
        private int printed;

        LineStreamer(Decoder decoder, PrintWriter out) {
            this.decoder = decoder;
            this.out = out;
        }

        void add(long id) {
            line.add(id);
            String text = decoder.tokenizer().decode(line.stream().mapToLong(Long::longValue).toArray(), true);
            if (!text.endsWith("\uFFFD") && text.length() > printed) {
                out.print(text.substring(printed));
                out.flush();
                printed = text.length();
                if (text.endsWith("\n")) {
                    line.clear();
                    printed = 0;
                }
            }
        }

        /** Ends the output with what is left of the last line (a character never completed included) and a line break. */
        void finish() {
            String text = decoder.tokenizer().decode(line.stream().mapToLong(Long::longValue).toArray(), true);
            out.println(text.length() > printed ? text.substring(printed) : "");
        }
    }
}
