package dev.dcft.data;

/**
 * One labelled example: one or two texts and a class index (classification), a score
 * (regression) or a set of class indices (multi-label, {@code labelSet}); {@code line} is its
 * 1-based line in the source file.
 */
public record Example(String textA, String textB, int label, float score, int line, int[] labelSet) {
    public Example(String textA, String textB, int label, float score, int line) {
        this(textA, textB, label, score, line, null);
    }

    public boolean isPair() {
        return textB != null;
    }
}
