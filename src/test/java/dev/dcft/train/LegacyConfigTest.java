package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.adapters.dcft.OrthogonalRegularizer;
import dev.dcft.adapters.lora.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run directories written before methods kept their options nested under {@code adapter} (flat
 * {@code kernel}, {@code rank}, {@code gamma}, {@code lora: {...}}) read as the same configuration,
 * so old runs resume, evaluate and serve; new ones write the nested form.
 */
class LegacyConfigTest {
    @TempDir
    Path tmp;

    private TrainConfig read(String json) throws Exception {
        RunDirectory run = new RunDirectory(tmp.resolve("run" + json.hashCode()));
        Files.createDirectories(run.dir());
        Files.writeString(run.dir().resolve("config.json"), json);
        return run.readConfig();
    }

    @Test
    void flatDcftFieldsBecomeTheMethodsOptions() throws Exception {
        TrainConfig c = read("{\"task\":\"rte\",\"model\":\"minilm-l6\",\"method\":\"dcft\",\"kernel\":4,\"stride\":2,\"rank\":2,"
                + "\"alpha\":3.0,\"init\":\"zero\",\"adapterDropout\":0.1,\"targets\":null,\"targetRegex\":null,\"lr\":0.005,"
                + "\"epochs\":3.0,\"maxSteps\":600,\"batch\":32,\"maxLen\":128,\"warmupSteps\":0,\"warmupRatio\":0.06,\"weightDecay\":0.01,"
                + "\"clsDropout\":0.1,\"gamma\":0.2,\"regForm\":\"paper\",\"clipNorm\":1.0,\"evalEvery\":100,\"saveEvery\":100,\"seed\":42,"
                + "\"threads\":1,\"trainLimit\":0,\"evalLimit\":0,\"skipBadRows\":false,\"preset\":\"cpu\",\"data\":null,\"precision\":\"fp32\","
                + "\"groupByLength\":true,\"headLr\":0.001,\"headWeightDecay\":null,\"holdout\":0.1,\"lora\":null}");
        AdapterSpec spec = c.spec(List.of("query", "value"));
        DcftConfig d = (DcftConfig) spec.config();
        assertEquals(new DcftConfig(4, 2, 2, 3.0, DcftConfig.Init.ZERO, 0.1, spec.targets(), 0.2, OrthogonalRegularizer.Form.PAPER), d);
        assertEquals(0.001, c.headLr());
        assertEquals(0.1, c.holdout());
        assertTrue(c.groupByLength());
    }

    @Test
    void flatLoraFieldsAndItsRefinementsBecomeTheMethodsOptions() throws Exception {
        TrainConfig c = read("{\"task\":\"sst2\",\"model\":\"minilm-l6\",\"method\":\"lora\",\"kernel\":8,\"stride\":8,\"rank\":4,"
                + "\"alpha\":8.0,\"init\":\"gaussian\",\"adapterDropout\":0.0,\"lr\":0.001,\"epochs\":3.0,\"maxSteps\":600,\"batch\":32,"
                + "\"maxLen\":128,\"gamma\":0.1,\"regForm\":\"released\",\"seed\":42,\"preset\":\"cpu\","
                + "\"lora\":{\"rslora\":true,\"rankPattern\":{\"query\":2},\"alphaPattern\":{\"value\":4.0}}}");
        LoraConfig l = (LoraConfig) c.spec(List.of("query", "value")).config();
        assertEquals(4, l.rank());
        assertEquals(8.0, l.alpha());
        assertTrue(l.rslora());
        assertEquals(Map.of("query", 2), l.rankPattern());
        assertEquals(Map.of("value", 4.0), l.alphaPattern());
    }

    @Test
    void newRunsWriteTheMethodsOptionsNested() throws Exception {
        TrainConfig c = Presets.base("cpu", dev.dcft.data.GlueTask.SST2, "dcft", "minilm-l6").option("kernel", 4).build();
        RunDirectory run = new RunDirectory(tmp.resolve("new"));
        Files.createDirectories(run.dir());
        run.writeConfig(c);
        JsonNode j = new ObjectMapper().readTree(Files.readString(run.dir().resolve("config.json")));
        assertEquals(4, j.get("adapter").get("kernel").asInt());
        assertEquals(4, j.get("adapter").get("stride").asInt(), "defaults are written out");
        assertTrue(!j.has("kernel") && !j.has("gamma"));
        assertEquals(c, run.readConfig());
    }
}
