package dev.dcft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcft.io.ModelFormatException;
import dev.dcft.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The readers against the real files, with MANIFEST.md's row counts. */
class GlueReaderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "sst2, train.tsv, 67349", "sst2, dev.tsv, 872",
        "cola, train.tsv, 8551", "cola, dev.tsv, 1043",
        "mrpc, train.tsv, 3668", "mrpc, dev.tsv, 408",
        "rte, train.tsv, 2490", "rte, dev.tsv, 277",
        "stsb, train.tsv, 5749", "stsb, dev.tsv, 1500",
        "qnli, dev.tsv, 5463",
        "wnli, train.tsv, 635", "wnli, dev.tsv, 71"})
    void rowCountsMatchTheManifest(String task, String file, int rows) {
        GlueTask t = GlueTask.parse(task);
        DataLocator data = DataLocator.resolve(SharedData.root());
        GlueReader.Result r = GlueReader.read(data.file(t, file), t, false);
        assertEquals(rows, r.examples().size());
        assertEquals(0, r.skipped());
        for (Example e : r.examples()) {
            assertEquals(t != GlueTask.SST2 && t != GlueTask.COLA, e.isPair());
            if (t.isRegression()) {
                assertTrue(e.score() >= 0 && e.score() <= 5);
            } else {
                assertTrue(e.label() >= 0 && e.label() < t.numLabels());
            }
        }
    }

    @Test
    void quirksAreHandled() {
        DataLocator data = DataLocator.resolve(SharedData.root());
        // CoLA: no header, sentence in the fourth column; dev has no final newline.
        List<Example> cola = GlueReader.read(data.file(GlueTask.COLA, "dev.tsv"), GlueTask.COLA, false).examples();
        assertEquals(1, cola.get(0).line());
        assertNull(cola.get(0).textB());
        // MRPC: the header starts with a BOM; labels in the first column.
        List<Example> mrpc = GlueReader.read(data.file(GlueTask.MRPC, "dev.tsv"), GlueTask.MRPC, false).examples();
        assertEquals(2, mrpc.get(0).line());
        // QNLI keeps sentences that begin with a stray quote: no quote processing.
        List<Example> qnli = GlueReader.read(data.file(GlueTask.QNLI, "dev.tsv"), GlueTask.QNLI, false).examples();
        assertTrue(qnli.stream().anyMatch(e -> e.textB().startsWith("\"")));
        // SST-2 keeps the space before the tab, as in the original.
        List<Example> sst = GlueReader.read(data.file(GlueTask.SST2, "dev.tsv"), GlueTask.SST2, false).examples();
        assertTrue(sst.get(0).textA().endsWith(" "));
        // RTE's labels are strings.
        List<Example> rte = GlueReader.read(data.file(GlueTask.RTE, "dev.tsv"), GlueTask.RTE, false).examples();
        assertTrue(rte.stream().anyMatch(e -> e.label() == 0) && rte.stream().anyMatch(e -> e.label() == 1));
    }

    /** Tasks whose files are not in ../shared/data, on rows in their glue_data formats. */
    @Test
    void mnliAndQqpFormats() throws Exception {
        Path mnli = tmp.resolve("dev_matched.tsv");
        Files.writeString(mnli, "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse"
                + "\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n"
                + "0\t1\t1n\tfiction\t( a )\t( b )\t(ROOT a)\t(ROOT b)\tThe cat sat.\tA cat sat.\tentailment\tentailment"
                + "\tneutral\tentailment\tentailment\tentailment\n");
        Example m = GlueReader.read(mnli, GlueTask.MNLI, false).examples().get(0);
        assertEquals("The cat sat.", m.textA());
        assertEquals("A cat sat.", m.textB());
        assertEquals(1, m.label()); // contradiction, entailment, neutral
        Path qqp = tmp.resolve("qqp.tsv");
        Files.writeString(qqp, "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t1\t2\tHow old?\tWhat age?\t1\n");
        Example q = GlueReader.read(qqp, GlueTask.QQP, false).examples().get(0);
        assertEquals("How old?", q.textA());
        assertEquals(1, q.label());
    }

    @Test
    void malformedRowsStopWithFileLineAndReason() throws Exception {
        Path f = tmp.resolve("train.tsv");
        Files.writeString(f, "sentence\tlabel\ngood one \t1\nthree\tcolumns\there\nfine \t0\nbad label \tpositive\n");
        BadRowException e = assertThrows(BadRowException.class, () -> GlueReader.read(f, GlueTask.SST2, false));
        assertTrue(e.getMessage().startsWith(f + ":3: expected 2 tab-separated columns, found 3"), e.getMessage());
        GlueReader.Result r = GlueReader.read(f, GlueTask.SST2, true);
        assertEquals(2, r.examples().size());
        assertEquals(2, r.skipped());

        Path s = tmp.resolve("sts.tsv");
        Files.writeString(s, "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
                + "0\tg\tf\ty\t0\ts\ts\ta\tb\t3.5\n1\tg\tf\ty\t1\ts\ts\ta\tb\tabc\n");
        BadRowException e2 = assertThrows(BadRowException.class, () -> GlueReader.read(s, GlueTask.STSB, false));
        assertTrue(e2.getMessage().contains(":3: unparsable score 'abc'"), e2.getMessage());

        Path r2 = tmp.resolve("rte.tsv");
        Files.writeString(r2, "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n");
        BadRowException e3 = assertThrows(BadRowException.class, () -> GlueReader.read(r2, GlueTask.RTE, false));
        assertTrue(e3.getMessage().contains(":2: unknown label 'maybe' (expected one of [entailment, not_entailment])"), e3.getMessage());
    }

    @Test
    void missingDataNamesTheFileAndHowToGetIt() {
        DataLocator data = DataLocator.resolve(tmp);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> data.file(GlueTask.RTE, "train.tsv"));
        String m = e.getMessage();
        assertTrue(m.contains(tmp.resolve("glue/RTE/train.tsv").toString()), m);
        assertTrue(m.contains("dcft data fetch rte") && m.contains("--data"), m);
    }

    @Test
    void fetchWithoutNetworkFailsInOneLineAndLeavesNothing() throws Exception {
        System.setProperty("dcft.glue.mirror", "http://127.0.0.1:9");
        try {
            Path cache = tmp.resolve("cache");
            var ex = assertThrows(java.io.IOException.class, () -> new DataFetcher(cache).fetch(GlueTask.RTE));
            String m = ex.getMessage();
            assertEquals(1, m.lines().count());
            assertTrue(m.contains("cannot download http://127.0.0.1:9/glue/data/RTE.zip"), m);
            assertTrue(m.contains(cache.resolve("glue/RTE/train.tsv").toString()) && m.contains("dev.tsv"), m);
            assertTrue(!Files.exists(cache.resolve("glue/RTE")));
        } finally {
            System.clearProperty("dcft.glue.mirror");
        }
    }

    /** GLUE's MRPC split, rebuilt from the raw files, is byte-identical to the shared train.tsv and dev.tsv. */
    @Test
    void mrpcSplitMatchesGlue() throws Exception {
        Path orig = SharedData.root().resolve("glue/MRPC/original");
        DataFetcher.writeMrpcSplit(orig.resolve("msr_paraphrase_train.txt"), orig.resolve("dev_ids.tsv"), tmp);
        assertEquals(DataFetcher.SHA256.get("MRPC/train.tsv"), DataFetcher.sha256(tmp.resolve("train.tsv")));
        assertEquals(DataFetcher.SHA256.get("MRPC/dev.tsv"), DataFetcher.sha256(tmp.resolve("dev.tsv")));
    }
}
