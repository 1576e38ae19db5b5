package dev.dcft.experiment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's verdicts and published rows, from hand-made summaries (no training). */
class ExperimentReportTest {
    @TempDir
    Path tmp;

    private void summary(Path dir, String task, String method, int seed, double score) throws Exception {
        summary(dir, task, method, seed, score, 10);
    }

    private void summary(Path dir, String task, String method, int seed, double score, long trainable) throws Exception {
        Files.writeString(dir.resolve(task + "-" + method + "-s" + seed + ".json"), String.format(java.util.Locale.ROOT,
                "{\"id\":\"%s-%s-s%d\",\"grid\":\"g\",\"task\":\"%s\",\"method\":\"%s\",\"seed\":%d,\"model\":\"m\",\"precision\":\"fp32\","
                        + "\"trainable_params\":%d,\"best\":{\"score\":%f},\"final\":{\"score\":%f,\"accuracy\":%f},\"steps\":3,"
                        + "\"wall_seconds\":36,\"tokens_per_second\":5}",
                task, method, seed, task, method, seed, trainable, score, score, score));
    }

    @Test
    void differencesBeyondTheSpreadAreCalledAndOthersAreWithinNoise() throws Exception {
        Path s = Files.createDirectories(tmp.resolve("summaries"));
        // rte: a 0.60/0.62 vs b 0.70/0.72: means 61 and 71, sds 1.41 each: 10 > 2.83, a real difference.
        summary(s, "rte", "a", 1, 0.60);
        summary(s, "rte", "a", 2, 0.62);
        summary(s, "rte", "b", 1, 0.70);
        summary(s, "rte", "b", 2, 0.72);
        // cola: a 0.50/0.60 vs b 0.52/0.56: means 55 and 54, sds 7.07 and 2.83: 1 < 9.9, within noise.
        summary(s, "cola", "a", 1, 0.50);
        summary(s, "cola", "a", 2, 0.60);
        summary(s, "cola", "b", 1, 0.52);
        summary(s, "cola", "b", 2, 0.56);
        summary(s, "stsb", "b", 1, 0.80, 9);
        Files.writeString(s.resolve(ExperimentReport.REFERENCES),
                "{\"note\":\"other backbone\",\"rows\":[{\"label\":\"paper x\",\"trainable\":\"1M\",\"scores\":{\"rte\":80.0,\"cola\":60.0}}]}");
        String md = ExperimentReport.write(s, tmp.resolve("out"));
        assertTrue(md.contains("| rte | a - b | -10.00 | 2.83 | b higher, beyond the seeds' spread |"), md);
        assertTrue(md.contains("| cola | a - b | +1.00 | 9.90 | within noise |"), md);
        assertTrue(md.contains("| paper x | 1M | 60.00 | 80.00 | - | 70.00 (2 tasks) |"), md);
        assertTrue(md.contains("| a | 10 | fp32 |") && md.contains("| b | 9-10 | fp32 |"), "a count per method, a range where tasks differ: " + md);
        assertTrue(md.contains("from 9 run summaries"), "references.json is not a run summary: " + md);
        assertTrue(!md.contains("Not run yet"), "no grid given, no planned runs listed: " + md);
    }

    @Test
    void withTheGridTheReportListsThePlannedRunsThatHaveNoSummary() throws Exception {
        Path s = Files.createDirectories(tmp.resolve("summaries"));
        summary(s, "rte", "a", 1, 0.60);
        summary(s, "rte", "b", 1, 0.70);
        Path grid = tmp.resolve("grid.json");
        Files.writeString(grid, "{\"name\":\"g\",\"model\":\"m\",\"methods\":{\"a\":[],\"b\":[]},\"stages\":["
                + "{\"name\":\"main\",\"priority\":1,\"tasks\":[\"rte\",\"cola\"],\"methods\":[\"a\",\"b\"],\"seeds\":[1,2]},"
                + "{\"name\":\"extra\",\"priority\":2,\"tasks\":[\"rte\"],\"methods\":[\"a\"],\"seeds\":[1],\"tag\":\"x\"}]}");
        String md = ExperimentReport.write(s, tmp.resolve("out"), Grid.read(grid));
        // 9 planned: 8 in "main" (2 of them done) and rte-a-x-s1; seeds 1 of both priorities come before the second seeds.
        assertTrue(md.contains("Not run yet (no summary): 7 of the 9 runs grid 'g' plans."), md);
        assertTrue(md.contains("| 1 | main | cola-a-s1, cola-b-s1, rte-a-s2, rte-b-s2, cola-a-s2, cola-b-s2 |"), md);
        assertTrue(md.contains("| 2 | extra | rte-a-x-s1 |"), md);
    }

    @Test
    void taggedRunsGetTheirOwnTableWithTheWarmupTheTrainerApplied() throws Exception {
        Path s = Files.createDirectories(tmp.resolve("summaries"));
        summary(s, "rte", "a", 1, 0.60);
        String tagged = "{\"id\":\"%s\",\"grid\":\"g\",\"stage\":\"ablation\",\"tag\":\"w\",\"task\":\"rte\",\"method\":\"a\",\"seed\":1,"
                + "\"model\":\"m\",\"precision\":\"fp32\",\"trainable_params\":10,\"best\":{\"score\":0.7},\"final\":{\"score\":0.65},"
                + "\"steps\":3,\"wall_seconds\":360,\"recipe\":{\"lr\":0.01,\"warmupSteps\":%d,\"warmupRatio\":%s}}";
        Files.writeString(s.resolve("rte-a-w-s1.json"), String.format(java.util.Locale.ROOT, tagged, "rte-a-w-s1", 0, "0.1"));
        // Explicit steps win over a ratio, as in TrainConfig.warmupSteps(total).
        Files.writeString(s.resolve("rte-a-v-s1.json"), String.format(java.util.Locale.ROOT, tagged, "rte-a-v-s1", 20, "0.1"));
        String md = ExperimentReport.write(s, tmp.resolve("out"));
        assertTrue(md.contains("| rte-a-w-s1 | ablation | 0.01 | 10% | 65.00 | 70.00 | 0.10 |"), md);
        assertTrue(md.contains("| rte-a-v-s1 | ablation | 0.01 | 20 steps | 65.00 | 70.00 | 0.10 |"), md);
        assertTrue(md.contains("from 3 run summaries") && md.contains("| a | 10 | fp32 | 60.00 (n=1) |"), "tagged runs stay out of the main tables: " + md);
    }
}
