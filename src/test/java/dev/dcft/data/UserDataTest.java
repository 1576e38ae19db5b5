package dev.dcft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.io.ModelFormatException;
import dev.dcft.testing.CliRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's files: RFC 4180 CSV, TSV and JSONL reading, task-type inference, label vocabularies, splits and bad input. */
class UserDataTest {
    @TempDir
    Path tmp;

    private Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    static UserData.Options opts(Path train, Path dev) {
        return new UserData.Options(train.toString(), dev == null ? null : dev.toString(), null, null, null, null, null, false, 0.1, 42);
    }

    @Test
    void csvFollowsRfc4180() throws IOException {
        Path f = write("t.csv", "\ufeffid,text,label,extra\r\n"
                + "1,\"plain, with a comma\",pos,x\r\n"
                + "2,\"she said \"\"hi\"\"\",neg,\"y, z\"\r\n"
                + "3,\"two\nlines\",pos,\n"
                + "4,unquoted text,neg,w\n");
        try (TableReader r = TableReader.open(f.toString(), null)) {
            assertEquals(List.of("id", "text", "label", "extra"), r.columns(), "BOM dropped");
            List<TableReader.Row> rows = new ArrayList<>();
            r.forEachRemaining(rows::add);
            assertEquals(4, rows.size());
            assertEquals("plain, with a comma", rows.get(0).values().get("text"));
            assertEquals("she said \"hi\"", rows.get(1).values().get("text"));
            assertEquals("y, z", rows.get(1).values().get("extra"));
            assertEquals("two\nlines", rows.get(2).values().get("text"));
            assertEquals(4, rows.get(2).line(), "the line a multi-line record starts on");
            assertEquals(6, rows.get(3).line());
        }
    }

    @Test
    void labelTypesAreInferred() throws IOException {
        UserData.Loaded strings = UserData.load(opts(write("s.csv", "text,label\na,pos\nb,neg\nc,pos\nd,neg\n"), null));
        assertEquals(TaskType.CLASSIFICATION, strings.spec().type());
        assertEquals(List.of("neg", "pos"), strings.spec().labels());
        UserData.Loaded ints = UserData.load(opts(write("i.jsonl", "{\"text\":\"a\",\"label\":10}\n{\"text\":\"b\",\"label\":2}\n"
                + "{\"text\":\"c\",\"label\":10}\n{\"text\":\"d\",\"label\":2}\n"), null));
        assertEquals(TaskType.CLASSIFICATION, ints.spec().type());
        assertEquals(List.of("2", "10"), ints.spec().labels(), "integer labels sort numerically");
        UserData.Loaded floats = UserData.load(opts(write("f.csv", "sentence,score\na,0.5\nb,3.25\nc,1\nd,4.0\ne,2.2\n"), null));
        assertEquals(TaskType.REGRESSION, floats.spec().type());
        UserData.Loaded lists = UserData.load(opts(write("l.jsonl", "{\"text\":\"a\",\"labels\":[\"x\",\"y\"]}\n"
                + "{\"text\":\"b\",\"labels\":[\"y\"]}\n{\"text\":\"c\",\"labels\":[]}\n{\"text\":\"d\",\"labels\":[\"z\"]}\n"), null));
        assertEquals(TaskType.MULTI_LABEL, lists.spec().type());
        assertEquals(List.of("x", "y", "z"), lists.spec().labels());
        assertTrue(strings.notes().stream().anyMatch(n -> n.contains("inferred")), strings.notes().toString());
    }

    @Test
    void stratifiedSplitIsSeededAndKeepsProportions() throws IOException {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < 300; i++) {
            sb.append("t").append(i).append(',').append(i % 3 == 0 ? "a" : "b").append('\n');
        }
        Path f = write("big.csv", sb.toString());
        UserData.Loaded one = UserData.load(opts(f, null));
        UserData.Loaded two = UserData.load(opts(f, null));
        assertEquals(30, one.dev().size());
        assertEquals(10, one.dev().stream().filter(e -> e.label() == 0).count(), "a third of the dev rows are 'a'");
        assertEquals(one.dev().stream().map(Example::textA).toList(), two.dev().stream().map(Example::textA).toList(), "seeded");
        assertTrue(one.notes().stream().anyMatch(n -> n.contains("stratified") && n.contains("270 train / 30 dev")), one.notes().toString());
    }

    @Test
    void unknownColumnNamesTheRealOnes() throws IOException {
        Path f = write("t.csv", "review,sentiment\ngood,pos\nbad,neg\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UserData.load(new UserData.Options(f.toString(), null, null,
                "review", null, "stars", null, false, 0.1, 1)));
        assertTrue(e.getMessage().contains("no column 'stars'") && e.getMessage().contains("review, sentiment"), e.getMessage());
        CliRunner.assertOneLineError(CliRunner.run("train", "--train", f.toString(), "--text-column", "review", "--label-column", "stars",
                "--out", tmp.resolve("run").toString()), "no column 'stars'", "the columns are: review, sentiment");
        assertTrue(!Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void devLabelNeverSeenInTrainingIsRefused() throws IOException {
        Path train = write("train.csv", "text,label\na,pos\nb,neg\n");
        Path dev = write("dev.csv", "text,label\nc,pos\nd,maybe\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UserData.load(opts(train, dev)));
        assertTrue(e.getMessage().contains("dev.csv:3") && e.getMessage().contains("'maybe' never appears"), e.getMessage());
    }

    @Test
    void emptyFilesAreRefused() throws IOException {
        assertThrows(ModelFormatException.class, () -> UserData.load(opts(write("e.csv", ""), null)));
        assertThrows(ModelFormatException.class, () -> UserData.load(opts(write("e.jsonl", "\n\n"), null)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UserData.load(opts(write("h.csv", "text,label\n"), null)));
        assertTrue(e.getMessage().contains("no usable rows"), e.getMessage());
    }

    @Test
    void malformedLinesNameFileAndLineOrAreSkippedAndCounted() throws IOException {
        Path f = write("m.jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\": broken\n{\"text\":\"b\",\"label\":\"y\"}\n"
                + "{\"text\":\"c\",\"label\":\"x\"}\n{\"text\":\"d\",\"label\":\"y\"}\n");
        BadRowException e = assertThrows(BadRowException.class, () -> UserData.load(opts(f, null)));
        assertTrue(e.getMessage().contains("m.jsonl:2: not valid JSON"), e.getMessage());
        UserData.Loaded skipped = UserData.load(new UserData.Options(f.toString(), null, null, null, null, null, null, true, 0.1, 1));
        assertEquals(1, skipped.skipped());
        Path csv = write("q.csv", "text,label\na,x\n\"never closed,y\nb,x\n");
        BadRowException q = assertThrows(BadRowException.class, () -> UserData.load(opts(csv, null)));
        assertTrue(q.getMessage().contains("q.csv:3") && q.getMessage().contains("never closed"), q.getMessage());
        Path fields = write("w.csv", "text,label\na,x\nb,y,extra\n");
        BadRowException w = assertThrows(BadRowException.class, () -> UserData.load(opts(fields, null)));
        assertTrue(w.getMessage().contains("w.csv:3: expected 2 fields"), w.getMessage());
    }

    @Test
    void mixedLabelTypesAreRefused() throws IOException {
        Path f = write("mix.jsonl", "{\"text\":\"a\",\"label\":\"pos\"}\n{\"text\":\"b\",\"label\":1}\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UserData.load(opts(f, null)));
        assertTrue(e.getMessage().contains("mixed label types"), e.getMessage());
        Path g = write("mix2.jsonl", "{\"text\":\"a\",\"label\":[\"x\"]}\n{\"text\":\"b\",\"label\":\"x\"}\n");
        assertTrue(assertThrows(ModelFormatException.class, () -> UserData.load(opts(g, null))).getMessage().contains("mixed label types"));
        Path h = write("mix3.csv", "text,label\na,0.5\nb,good\n");
        assertTrue(assertThrows(ModelFormatException.class, () -> UserData.load(opts(h, null))).getMessage().contains("mixed label types"));
    }

    @Test
    void nonUtf8IsRefusedWithItsLine() throws IOException {
        Path f = tmp.resolve("latin1.csv");
        Files.write(f, "text,label\nfine,a\ncaf\u00e9,b\n".getBytes(StandardCharsets.ISO_8859_1));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UserData.load(opts(f, null)));
        assertTrue(e.getMessage().contains("not UTF-8") && e.getMessage().contains("latin1.csv"), e.getMessage());
    }
}
