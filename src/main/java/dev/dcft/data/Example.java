package dev.dcft.data;

/**
 * One labelled example: one or two texts and a class index (classification) or a score
 * (regression); {@code line} is its 1-based line in the source file.
 */
public record Example(String textA, String textB, int label, float score, int line) {
    public boolean isPair() {
        return textB != null;
    }
}
