package dev.dcft.data.squad;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.dcft.io.ModelFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Question-answering features as Hugging Face's run_qa prepares them: the question first, the
 * context in windows of {@code maxLength} tokens overlapping by {@code docStride} (only the
 * context is truncated; a long context gives several windows, none dropped), each context token's
 * character span in the context (other tokens have none), and the training labels: the answer's
 * first and last token, or index 0 (the [CLS] token) when the window does not contain it.
 */
public final class QaFeatures implements AutoCloseable {
    /** One window of one question. {@code offsets[t]} is {start, end} in the context, or null outside it. */
    public record Feature(int question, long[] ids, long[] types, int[][] offsets, int startPosition, int endPosition) {
    }

    private final HuggingFaceTokenizer tokenizer;

    public QaFeatures(byte[] tokenizerJson, int maxLength, int docStride) {
        if (docStride >= maxLength) {
            throw new IllegalArgumentException("--doc-stride " + docStride + " must be smaller than --max-len " + maxLength);
        }
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of(
                    "padding", "false",
                    "truncation", "only_second",
                    "maxLength", Integer.toString(maxLength),
                    "stride", Integer.toString(docStride),
                    "withOverflowingTokens", "true",
                    "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("tokenizer.json", "cannot load tokenizer: " + e.getMessage());
        }
    }

    /** Every window of every question; {@code label} computes start/end positions (training). */
    public List<Feature> build(List<SquadQuestion> questions, boolean label) {
        List<Feature> out = new ArrayList<>();
        for (int qi = 0; qi < questions.size(); qi++) {
            SquadQuestion q = questions.get(qi);
            // run_qa strips the question's leading whitespace: some SQuAD questions start with spaces.
            Encoding first = tokenizer.encode(q.question().stripLeading(), q.context());
            List<Encoding> windows = new ArrayList<>();
            windows.add(first);
            Encoding[] more = first.getOverflowing();
            if (more != null) {
                windows.addAll(List.of(more));
            }
            for (Encoding e : windows) {
                out.add(feature(qi, q, e, label));
            }
        }
        return out;
    }

    private static Feature feature(int qi, SquadQuestion q, Encoding e, boolean label) {
        long[] ids = e.getIds();
        long[] seq = e.getSequenceIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int[][] offsets = new int[ids.length][];
        int firstCtx = -1;
        int lastCtx = -1;
        for (int t = 0; t < ids.length; t++) {
            if (seq[t] == 1 && spans[t] != null) {
                offsets[t] = new int[] {spans[t].getStart(), spans[t].getEnd()};
                if (firstCtx < 0) {
                    firstCtx = t;
                }
                lastCtx = t;
            }
        }
        int start = 0;
        int end = 0;
        if (label && !q.impossible() && !q.answers().isEmpty() && firstCtx >= 0) {
            int startChar = q.answers().get(0).start();
            int endChar = startChar + q.answers().get(0).text().length();
            if (offsets[firstCtx][0] <= startChar && offsets[lastCtx][1] >= endChar) {
                int s = firstCtx;
                while (s <= lastCtx && offsets[s][0] <= startChar) {
                    s++;
                }
                start = s - 1;
                int en = lastCtx;
                while (en >= firstCtx && offsets[en][1] >= endChar) {
                    en--;
                }
                end = en + 1;
            }
        }
        return new Feature(qi, ids, e.getTypeIds(), offsets, start, end);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
