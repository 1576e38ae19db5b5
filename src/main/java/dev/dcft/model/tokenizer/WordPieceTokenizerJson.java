package dev.dcft.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT {@code vocab.txt} as the {@code tokenizer.json} that Hugging Face's fast-tokenizer
 * converter makes of it (BertNormalizer with the model's lower-casing, BertPreTokenizer,
 * WordPiece with {@code ##} continuations, {@code [CLS] A [SEP] B [SEP]} with type ids 0/1),
 * so the same Rust tokenizer runs it.
 */
public final class WordPieceTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private WordPieceTokenizerJson() {
    }

    public static byte[] fromVocab(byte[] vocabTxt, boolean lowercase, String source) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String text = new String(vocabTxt, StandardCharsets.UTF_8);
        int id = 0;
        for (String line : text.split("\n", -1)) {
            String token = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (token.isEmpty() && id > 0 && text.endsWith("\n")) {
                continue;
            }
            vocab.putIfAbsent(token, id++);
        }
        for (String s : List.of("[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.containsKey(s)) {
                throw new ModelFormatException(source, "vocab.txt has no " + s + " token (not a BERT WordPiece vocabulary?)");
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIAL) {
            Integer sid = vocab.get(s);
            if (sid != null) {
                ObjectNode t = added.addObject();
                t.put("id", sid);
                t.put("content", s);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", true);
            }
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", true);
        norm.putNull("strip_accents");
        norm.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.set("post_processor", TemplatePostProcessor.bertStyle("[CLS]", vocab.get("[CLS]"), "[SEP]", vocab.get("[SEP]")));
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "[UNK]");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
