package dev.dcft.api;

/**
 * One training example: a text (and, for pair tasks, a second text) and its label. The label is a
 * class name for classification, a number for regression ("3.8"), or class names separated by
 * {@code |} for multi-label ("sport|tech").
 */
public record LabeledText(String text, String pair, String label) {
    public LabeledText(String text, String label) {
        this(text, null, label);
    }
}
