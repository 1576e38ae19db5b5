package dev.dcft.data.squad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.io.ModelFormatException;
import dev.dcft.testing.SharedData;
import dev.dcft.testing.TestModels;
import dev.dcft.train.QaPostprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQuAD files, the article split, question-answering windows and answer post-processing. */
class SquadDataTest {
    @TempDir
    Path tmp;

    static String squad(String context, String question, String answer, int start) {
        return "{\"version\":\"1.1\",\"data\":[{\"title\":\"t\",\"paragraphs\":[{\"context\":\"" + context + "\",\"qas\":[{\"id\":\"q1\","
                + "\"question\":\"" + question + "\",\"answers\":[{\"text\":\"" + answer + "\",\"answer_start\":" + start + "}]}]}]}]}";
    }

    @Test
    void sharedDevFileAndItsArticleSplit() {
        SquadReader.Result r = SquadReader.read(SharedData.root().resolve("squad/v1.1/dev.json"), false);
        assertEquals(10_570, r.questions().size());
        assertEquals(48, r.articles());
        List<List<SquadQuestion>> split = SquadSplits.byArticle(r.questions(), r.articles());
        assertEquals(8_582, split.get(0).size());
        assertEquals(1_988, split.get(1).size());
        Set<Integer> trainArticles = new HashSet<>();
        split.get(0).forEach(q -> trainArticles.add(q.article()));
        assertTrue(split.get(1).stream().noneMatch(q -> trainArticles.contains(q.article())), "no article on both sides");
        List<SquadQuestion> v2 = SquadSplits.withUnanswerable(split.get(1), 7);
        long added = v2.stream().filter(SquadQuestion::impossible).count();
        assertTrue(added > 500 && added < 800, "about a third made unanswerable: " + added);
        assertTrue(v2.stream().filter(SquadQuestion::impossible).allMatch(q -> q.answers().isEmpty() && q.id().endsWith("-noans")));
    }

    @Test
    void badInputIsNamedOrSkipped() throws IOException {
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"data\": [ {\"paragraphs\": [ }");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SquadReader.read(broken, false));
        assertTrue(e.getMessage().contains("broken.json: malformed JSON at line 1, column"), e.getMessage());
        Path wrong = tmp.resolve("wrong.json");
        Files.writeString(wrong, squad("The cat sat on the mat.", "Where?", "mat", 3));
        ModelFormatException w = assertThrows(ModelFormatException.class, () -> SquadReader.read(wrong, false));
        assertTrue(w.getMessage().contains("wrong.json:q1: answer_start 3 does not point at the answer text"), w.getMessage());
        Path empty = tmp.resolve("empty.json");
        Files.writeString(empty, squad("The cat sat on the mat.", " ", "mat", 19));
        assertTrue(assertThrows(ModelFormatException.class, () -> SquadReader.read(empty, false)).getMessage().contains("empty question"));
        Path mixed = tmp.resolve("mixed.json");
        Files.writeString(mixed, "{\"data\":[{\"paragraphs\":[{\"context\":\"The cat sat on the mat.\",\"qas\":["
                + "{\"id\":\"a\",\"question\":\"Where?\",\"answers\":[{\"text\":\"mat\",\"answer_start\":19}]},"
                + "{\"id\":\"b\",\"question\":\"Who?\",\"answers\":[{\"text\":\"dog\",\"answer_start\":4}]}]}]}]}");
        SquadReader.Result r = SquadReader.read(mixed, true);
        assertEquals(1, r.questions().size());
        assertEquals(1, r.skipped());
    }

    @Test
    void longContextsAreWindowedNeverDroppedAndLabelsPointAtTheAnswer() {
        List<SquadQuestion> qs = SquadReader.read(SharedData.root().resolve("squad/v1.1/dev.json"), false).questions().subList(0, 300);
        byte[] tok = TestModels.minilmTokenizerJson();
        try (QaFeatures f = new QaFeatures(tok, 96, 32)) {
            List<QaFeatures.Feature> feats = f.build(qs, true);
            int[] windows = new int[qs.size()];
            int labelled = 0;
            int exact = 0;
            for (QaFeatures.Feature ft : feats) {
                windows[ft.question()]++;
                assertTrue(ft.ids().length <= 96);
                if (ft.startPosition() > 0) {
                    labelled++;
                    SquadQuestion q = qs.get(ft.question());
                    String span = q.context().substring(ft.offsets()[ft.startPosition()][0], ft.offsets()[ft.endPosition()][1]);
                    exact += span.equals(q.answers().get(0).text()) ? 1 : 0;
                    assertTrue(span.contains(q.answers().get(0).text().strip().split(" ")[0].replaceAll("\\W.*", "")) || !span.isEmpty());
                }
            }
            for (int i = 0; i < qs.size(); i++) {
                assertTrue(windows[i] >= 1, "question " + i + " has a window");
                // The windows together cover the whole context: the last context token ends near the context's end.
                int last = 0;
                for (QaFeatures.Feature ft : feats) {
                    if (ft.question() == i) {
                        for (int[] o : ft.offsets()) {
                            if (o != null) {
                                last = Math.max(last, o[1]);
                            }
                        }
                    }
                }
                assertTrue(last >= qs.get(i).context().strip().length() - 1, "context " + i + " covered to its end");
            }
            assertTrue(feats.size() > qs.size() * 2, "contexts longer than 96 tokens give several windows");
            assertTrue(exact >= 0.95 * labelled, "label spans equal the gold text (token boundaries aside): " + exact + "/" + labelled);
        }
    }

    @Test
    void postProcessingPicksTheBestValidSpanAndTheNullAnswer() {
        SquadQuestion q = new SquadQuestion("q", "Where?", "The cat sat on the mat.", List.of(), false, 0);
        int[][] offsets = {null, null, null, {0, 3}, {4, 7}, {8, 11}, {12, 14}, {15, 18}, {19, 22}, {22, 23}, null};
        QaFeatures.Feature f = new QaFeatures.Feature(0, new long[11], new long[11], offsets, 0, 0);
        float[] row = new float[22];
        row[2 * 8] = 5; // start at "mat"
        row[2 * 9 + 1] = 4; // end at "."
        row[2 * 2] = 9; // a larger start on the question: not in the context
        row[2 * 5 + 1] = 8; // a larger end before the start: invalid
        QaPostprocess.Answer a = new QaPostprocess(20, 30, false, 0).answers(List.of(q), List.of(f), new float[][] {row}).get("q");
        assertEquals("mat.", a.text());
        assertEquals(19, a.start());
        assertEquals(9.0, a.score(), 1e-6);
        QaPostprocess.Answer shortOnly = new QaPostprocess(20, 1, false, 0).answers(List.of(q), List.of(f), new float[][] {row}).get("q");
        assertTrue(shortOnly.text().length() <= 4 && !shortOnly.text().equals("mat."), "max answer length 1 token: " + shortOnly.text());
        row[0] = 10;
        row[1] = 10; // null score 20 > best span 9
        Map<String, QaPostprocess.Answer> v2 = new QaPostprocess(20, 30, true, 0).answers(List.of(q), List.of(f), new float[][] {row});
        assertEquals("", v2.get("q").text());
        assertEquals(11.0, v2.get("q").nullOdds(), 1e-6);
        assertEquals("mat.", new QaPostprocess(20, 30, true, 12).answers(List.of(q), List.of(f), new float[][] {row}).get("q").text(),
                "a higher threshold keeps the span");
    }
}
