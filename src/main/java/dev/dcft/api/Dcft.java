package dev.dcft.api;

import dev.dcft.io.PeftAdapterFiles;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.ModelLoader;
import dev.dcft.adapters.Adapters;
import dev.dcft.train.Predictor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Entry point of the Java API.
 *
 * <pre>{@code
 * try (Classifier c = Dcft.fineTune()
 *         .model("minilm-l6").dcft(8)
 *         .examples(List.of(new LabeledText("a fine film", "positive"), new LabeledText("dull", "negative"), ...))
 *         .steps(250).batchSize(32)
 *         .run(Path.of("runs/reviews"))) {
 *     Prediction p = c.predict("what a wonderful movie");
 *     System.out.println(p.label() + " " + p.score());
 * }
 * }</pre>
 */
public final class Dcft {
    private Dcft() {
    }

    /** A base model by embedded name ({@code minilm-l6}, {@code bert-base-uncased}) or directory (any supported format). */
    public static BaseModel loadBase(String nameOrDirectory) {
        return new BaseModel(ModelLoader.load(nameOrDirectory));
    }

    /** A decoder directory (Llama, Mistral, Qwen2) to generate from and score text with. */
    public static TextGenerator loadDecoder(Path dir) {
        return new TextGenerator(dev.dcft.model.decoder.Decoder.load(dir));
    }

    /** As {@link #loadDecoder(Path)}, with a PEFT adapter directory applied (unmerged). */
    public static TextGenerator loadDecoder(Path dir, Path adapterDir) {
        return new TextGenerator(dev.dcft.model.decoder.Decoder.load(dir, adapterDir));
    }

    /** A new fine-tuning, to configure and {@link FineTuning#run(Path) run}. */
    public static FineTuning fineTune() {
        return new FineTuning();
    }

    /** A run directory written by {@code dcft train} or {@link FineTuning#run(Path)}: its base model and best adapter. */
    public static Classifier loadRun(Path runDir) {
        try {
            return new Classifier(Predictor.open(runDir), runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Folds an adapter directory (PEFT layout) into its base model and writes a Hugging Face model
     * directory ({@code config.json}, {@code model.safetensors}, tokenizer files), as {@code dcft merge}.
     */
    public static void merge(String baseModel, Path adapterDir, Path out) {
        PeftAdapterFiles.LoadedAdapter adapter = PeftAdapterFiles.load(adapterDir);
        try (LoadedModel m = ModelLoader.load(baseModel)) {
            PeftAdapterFiles.attach(m.model(), adapter, m.manager());
            PeftAdapterFiles.replaceBaseTensors(m.model(), adapter, m.manager());
            Adapters.mergeAndUnload(m.model());
            m.writeHfDirectory(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
