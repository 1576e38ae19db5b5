package dev.dcft.data.squad;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What stands in for the missing files: SQuAD v1.1's training set is not on hand, so train and
 * evaluation both come from v1.1 dev, split by article (no article's paragraphs on both sides):
 * the last {@link #EVAL_ARTICLES} articles evaluate, the others train. These are never official
 * SQuAD numbers. v2.0 is exercised by pairing some questions with a paragraph of another article,
 * where they have no answer.
 */
public final class SquadSplits {
    /** Articles held out for evaluation: 10 of v1.1 dev's 48 (1,988 of its 10,570 questions). */
    public static final int EVAL_ARTICLES = 10;

    private SquadSplits() {
    }

    public static List<List<SquadQuestion>> byArticle(List<SquadQuestion> all, int articles) {
        int first = Math.max(1, articles - EVAL_ARTICLES);
        List<SquadQuestion> train = new ArrayList<>();
        List<SquadQuestion> eval = new ArrayList<>();
        for (SquadQuestion q : all) {
            (q.article() < first ? train : eval).add(q);
        }
        return List.of(train, eval);
    }

    /**
     * Every third question (seeded) is re-asked of a context from another article and marked
     * unanswerable (id suffixed "-noans", placed right after it); the original stays. Contexts come from
     * the same side of the split.
     */
    public static List<SquadQuestion> withUnanswerable(List<SquadQuestion> questions, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<SquadQuestion> out = new ArrayList<>();
        for (SquadQuestion q : questions) {
            out.add(q);
            if (rng.nextInt(3) != 0) {
                continue;
            }
            for (int tries = 0; tries < 20; tries++) {
                SquadQuestion other = questions.get(rng.nextInt(questions.size()));
                if (other.article() != q.article()) {
                    out.add(new SquadQuestion(q.id() + "-noans", q.question(), other.context(), List.of(), true, other.article()));
                    break;
                }
            }
        }
        return out;
    }
}
