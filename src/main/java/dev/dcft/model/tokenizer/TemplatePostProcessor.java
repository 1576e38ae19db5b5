package dev.dcft.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code TemplateProcessing} post-processor of BERT-style models: {@code CLS A SEP} and {@code CLS A SEP B SEP}. */
final class TemplatePostProcessor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TemplatePostProcessor() {
    }

    static ObjectNode bertStyle(String cls, int clsId, String sep, int sepId) {
        ObjectNode pp = JSON.createObjectNode();
        pp.put("type", "TemplateProcessing");
        ArrayNode single = pp.putArray("single");
        special(single, cls, 0);
        sequence(single, "A", 0);
        special(single, sep, 0);
        ArrayNode pair = pp.putArray("pair");
        special(pair, cls, 0);
        sequence(pair, "A", 0);
        special(pair, sep, 0);
        sequence(pair, "B", 1);
        special(pair, sep, 1);
        ObjectNode tokens = pp.putObject("special_tokens");
        entry(tokens, cls, clsId);
        entry(tokens, sep, sepId);
        return pp;
    }

    private static void special(ArrayNode a, String id, int type) {
        ObjectNode s = a.addObject().putObject("SpecialToken");
        s.put("id", id);
        s.put("type_id", type);
    }

    private static void sequence(ArrayNode a, String id, int type) {
        ObjectNode s = a.addObject().putObject("Sequence");
        s.put("id", id);
        s.put("type_id", type);
    }

    private static void entry(ObjectNode tokens, String token, int id) {
        ObjectNode e = tokens.putObject(token);
        e.put("id", token);
        e.putArray("ids").add(id);
        e.putArray("tokens").add(token);
    }
}
