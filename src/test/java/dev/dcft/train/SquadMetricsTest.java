package dev.dcft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SQuAD metrics against the official scripts' definitions run by Python itself
 * (scripts/fixtures/squad_metric_cases.py): punctuation, articles, Unicode whitespace, several gold
 * answers, empty predictions, and the v2.0 no-answer cases with thresholds.
 */
class SquadMetricsTest {
    static JsonNode cases() throws IOException {
        return new ObjectMapper().readTree(SquadMetricsTest.class.getResourceAsStream("/fixtures/squad/metric-cases.json"));
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(a -> out.add(a.asText()));
        return out;
    }

    @Test
    void v1MatchesTheOfficialDefinitionCaseByCase() throws IOException {
        List<SquadMetrics.Gold> gold = new ArrayList<>();
        Map<String, String> preds = new LinkedHashMap<>();
        double em = 0;
        double f1 = 0;
        int i = 0;
        for (JsonNode c : cases().get("v1_cases")) {
            String p = c.get("prediction").asText();
            List<String> answers = strings(c.get("answers"));
            assertEquals(c.get("normalized").asText(), SquadMetrics.normalize(p), "normalize(" + p + ")");
            double bestEm = answers.stream().mapToDouble(a -> SquadMetrics.exact(p, a)).max().orElse(0);
            double bestF1 = answers.stream().mapToDouble(a -> SquadMetrics.f1(p, a)).max().orElse(0);
            assertEquals(c.get("exact").asDouble(), bestEm, 1e-12, "exact: " + p);
            assertEquals(c.get("f1").asDouble(), bestF1, 1e-12, "f1: " + p);
            gold.add(new SquadMetrics.Gold("q" + i, answers));
            preds.put("q" + i, p);
            em += c.get("exact").asDouble();
            f1 += c.get("f1").asDouble();
            i++;
        }
        Map<String, Double> m = SquadMetrics.v1(gold, preds);
        assertEquals(100 * em / i, m.get("exact_match"), 1e-9);
        assertEquals(100 * f1 / i, m.get("f1"), 1e-9);
        preds.remove("q0");
        assertEquals(100 * (em - 1) / i, SquadMetrics.v1(gold, preds).get("exact_match"), 1e-9, "an unanswered question scores 0");
    }

    @Test
    void v2MatchesTheOfficialDefinitionIncludingThresholds() throws IOException {
        JsonNode c = cases();
        List<SquadMetrics.Gold> gold = new ArrayList<>();
        Map<String, String> preds = new LinkedHashMap<>();
        Map<String, Double> na = new LinkedHashMap<>();
        for (JsonNode q : c.get("v2_questions")) {
            gold.add(new SquadMetrics.Gold(q.get("id").asText(), strings(q.get("answers"))));
            preds.put(q.get("id").asText(), q.get("prediction").asText());
            na.put(q.get("id").asText(), q.get("na_prob").asDouble());
        }
        Map<String, Double> got = SquadMetrics.v2(gold, preds, na);
        JsonNode want = c.get("v2_expected");
        assertEquals(want.size(), got.size(), got.toString());
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            assertEquals(e.getValue().asDouble(), got.get(e.getKey()), 1e-9, e.getKey());
        }
    }
}
