package com.example.quickstart;

import dev.dcft.api.Classifier;
import dev.dcft.api.Dcft;
import dev.dcft.api.LabeledText;
import dev.dcft.api.Prediction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Fine-tunes a tiny DCFT adapter on a handful of labelled sentences, then labels new ones. */
public final class Quickstart {
    private Quickstart() {
    }

    /** The examples: two kinds of review, labelled by name. */
    public static List<LabeledText> examples() {
        String[] good = {"a wonderful , moving film", "sharp , funny and warm", "the best thing i saw this year", "beautifully acted"};
        String[] bad = {"a dull , tedious mess", "boring from start to end", "the worst plot imaginable", "badly written and flat"};
        List<LabeledText> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            for (String g : good) {
                out.add(new LabeledText(g, "positive"));
            }
            for (String b : bad) {
                out.add(new LabeledText(b, "negative"));
            }
        }
        return out;
    }

    /** Trains into {@code runDir} and returns the labels it gives {@code texts}. */
    public static List<Prediction> trainAndPredict(Path runDir, List<String> texts) {
        try (Classifier classifier = Dcft.fineTune()
                .model("minilm-l6")
                .dcft(8)
                .examples(examples())
                .steps(40)
                .batchSize(8)
                .learningRate(1e-2)
                .overwrite(true)
                .progress((step, total, epoch, loss, tokensPerSecond) -> {
                    if (step % 10 == 0) {
                        System.out.printf("step %d/%d loss %.4f%n", step, total, loss);
                    }
                })
                .run(runDir)) {
            return classifier.predict(texts);
        }
    }

    public static void main(String[] args) {
        Path runDir = Path.of(args.length > 0 ? args[0] : "target/quickstart-run");
        List<String> texts = List.of("what a wonderful film", "a boring , dull mess");
        List<Prediction> predictions = trainAndPredict(runDir, texts);
        for (int i = 0; i < texts.size(); i++) {
            System.out.printf("%-25s -> %s (%.3f)%n", texts.get(i), predictions.get(i).label(), predictions.get(i).score());
        }
    }
}
