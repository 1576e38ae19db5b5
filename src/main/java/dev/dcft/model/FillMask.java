package dev.dcft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dcft.io.ModelFormatException;
import dev.dcft.model.heads.MaskedLmHead;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Masked-token prediction with the checkpoint's MLM head, as Hugging Face's fill-mask pipeline
 * does it: softmax over the whole vocabulary at each mask position, the k most probable tokens.
 */
public final class FillMask {
    /** One candidate for one mask. */
    public record Candidate(String tokenStr, long token, double score) {
    }

    /** The candidates for each mask of one text, masks in text order. */
    public record Result(String text, List<List<Candidate>> masks) {
    }

    private final LoadedModel model;
    private final long maskId;

    public FillMask(LoadedModel model) {
        this.model = model;
        if (model.mlmHead() == null) {
            throw new ModelFormatException(model.name(), "this model has no masked-language-model head (cls.predictions.*):"
                    + " fill-mask needs a checkpoint saved with it, such as bert-base-uncased");
        }
        this.maskId = TextTokenizer.addedTokenId(model.tokenizerFiles().get("tokenizer.json"), "[MASK]", "<mask>");
        if (maskId < 0) {
            throw new ModelFormatException(model.name(), "the tokenizer has no [MASK] token");
        }
    }

    public List<Result> predict(List<String> texts, int topK) {
        Encoder encoder = model.model();
        MaskedLmHead head = model.mlmHead();
        encoder.setTraining(false);
        head.setTraining(false);
        List<Result> out = new ArrayList<>();
        for (String text : texts) {
            TokenBatch batch = model.tokenizer().encode(List.of(text));
            long[] ids = batch.ids()[0];
            int[] positions = IntStream.range(0, ids.length).filter(i -> ids[i] == maskId).toArray();
            if (positions.length == 0) {
                throw new IllegalArgumentException("no [MASK] token in \"" + text + "\"");
            }
            try (NDManager step = model.manager().newSubManager()) {
                EncoderInput in = EncoderInput.of(step, batch, encoder.config());
                NDArray hidden = encoder.forward(in).reshape(ids.length, -1);
                NDArray rows = hidden.get(step.create(IntStream.of(positions).asLongStream().toArray(), new Shape(positions.length)));
                float[] probs = head.logits(encoder, rows).softmax(-1).toFloatArray();
                int vocab = probs.length / positions.length;
                List<List<Candidate>> masks = new ArrayList<>();
                for (int m = 0; m < positions.length; m++) {
                    int base = m * vocab;
                    List<Candidate> top = IntStream.range(0, vocab).boxed()
                            .sorted(Comparator.comparingDouble((Integer v) -> -probs[base + v]))
                            .limit(topK)
                            .map(v -> new Candidate(model.tokenizer().decode(v), v, probs[base + v]))
                            .toList();
                    masks.add(top);
                }
                out.add(new Result(text, masks));
            }
        }
        return out;
    }
}
