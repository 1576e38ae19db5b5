package dev.dcft.data.squad;

import java.util.List;

/**
 * One SQuAD question with its context: gold answers (text and character start in the context),
 * and whether it is unanswerable (v2.0). {@code article} is the index of its article in the file.
 */
public record SquadQuestion(String id, String question, String context, List<Answer> answers, boolean impossible, int article) {
    /** A gold answer: its text and where it starts in the context. */
    public record Answer(String text, int start) {
    }
}
