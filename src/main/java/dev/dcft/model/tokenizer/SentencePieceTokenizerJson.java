package dev.dcft.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.proto.ProtoReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece {@code spm.model} (a protobuf ModelProto) as the {@code tokenizer.json} that
 * Hugging Face's fast-tokenizer converters make of it, so the Rust tokenizer runs it: the Unigram
 * pieces and scores, the model's precompiled normalisation map, Metaspace pre-tokenisation, and
 * {@code [CLS] A [SEP] B [SEP]}. Two converter families: DeBERTa-v2/v3 (lower-casing if asked,
 * strip, precompiled map, runs of spaces collapsed; optional punctuation split) and ALBERT
 * (quotes normalised, accents stripped unless kept, lower-casing, strip, precompiled map). The
 * reference is the SentencePiece library itself (what the slow tokenizers call): its ids are what
 * the tests compare against.
 */
public final class SentencePieceTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int UNIGRAM = 1;

    /** What the tokenizer's own config adds to the model file. */
    public record Options(String family, boolean lowercase, boolean splitByPunct, boolean keepAccents) {
        public static Options from(JsonNode tokenizerConfig) {
            String cls = tokenizerConfig.path("tokenizer_class").asText("DebertaV2Tokenizer");
            boolean albert = cls.startsWith("Albert");
            if (!albert && !cls.startsWith("DebertaV2")) {
                throw new ModelFormatException("tokenizer_config.json", "spm.model conversion knows DebertaV2Tokenizer and"
                        + " AlbertTokenizer, not " + cls + " (give the model's tokenizer.json)");
            }
            return new Options(albert ? "albert" : "deberta-v2",
                    tokenizerConfig.path("do_lower_case").asBoolean(albert),
                    tokenizerConfig.path("split_by_punct").asBoolean(false),
                    tokenizerConfig.path("keep_accents").asBoolean(false));
        }
    }

    private record Piece(String piece, float score, int type) {
    }

    private SentencePieceTokenizerJson() {
    }

    public static byte[] fromModel(byte[] model, Options options, String source) {
        List<Piece> pieces = new ArrayList<>();
        int modelType = UNIGRAM;
        int unkId = 0;
        boolean byteFallback = false;
        byte[] charsmap = new byte[0];
        try {
            ProtoReader r = new ProtoReader(ByteBuffer.wrap(model), 0, model.length);
            while (r.hasMore()) {
                int tag = r.readTag();
                int field = tag >>> 3;
                if (field == 1 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                    pieces.add(piece(r.readMessage()));
                } else if (field == 2 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                    ProtoReader t = r.readMessage();
                    while (t.hasMore()) {
                        int tt = t.readTag();
                        int f = tt >>> 3;
                        if (f == 3 && (tt & 7) == ProtoReader.VARINT) {
                            modelType = (int) t.readVarint();
                        } else if (f == 40 && (tt & 7) == ProtoReader.VARINT) {
                            unkId = (int) t.readVarint();
                        } else if (f == 35 && (tt & 7) == ProtoReader.VARINT) {
                            byteFallback = t.readVarint() != 0;
                        } else {
                            t.skip(tt & 7);
                        }
                    }
                } else if (field == 3 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                    ProtoReader n = r.readMessage();
                    while (n.hasMore()) {
                        int nt = n.readTag();
                        if (nt >>> 3 == 2 && (nt & 7) == ProtoReader.LENGTH_DELIMITED) {
                            int[] span = n.readLengthDelimited();
                            charsmap = new byte[span[1] - span[0]];
                            n.buffer().get(span[0], charsmap);
                        } else {
                            n.skip(nt & 7);
                        }
                    }
                } else {
                    r.skip(tag & 7);
                }
            }
        } catch (ProtoReader.ProtoException e) {
            throw new ModelFormatException(source, "not a SentencePiece model: " + e.getMessage());
        }
        if (pieces.isEmpty()) {
            throw new ModelFormatException(source, "not a SentencePiece model: no pieces");
        }
        if (modelType != UNIGRAM) {
            throw new ModelFormatException(source, "SentencePiece model type " + modelType + " is not Unigram (BPE models"
                    + " such as Llama's need their tokenizer.json)");
        }
        if (unkId < 0 || unkId >= pieces.size()) {
            throw new ModelFormatException(source, "unk_id " + unkId + " is outside the " + pieces.size() + " pieces");
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < pieces.size(); i++) {
            ids.putIfAbsent(pieces.get(i).piece(), i);
        }
        for (String s : List.of("[CLS]", "[SEP]")) {
            if (!ids.containsKey(s)) {
                throw new ModelFormatException(source, "the SentencePiece vocabulary has no " + s + " piece (not a BERT-style model)");
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int next = pieces.size();
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            // User-defined pieces stay ordinary vocabulary entries: as added tokens they would split
            // words around them ("3.14" would become "3", ".", "▁14"), which SentencePiece never does.
            if (p.type() == CONTROL || p.type() == UNKNOWN) {
                addedToken(added, i, p.piece(), true);
            }
        }
        if (!ids.containsKey("[MASK]")) {
            // DeBERTa-v3 publishes [MASK] as an added token after the 128,000 pieces.
            addedToken(added, next, "[MASK]", true);
        }
        root.set("normalizer", normalizer(options, charsmap));
        root.set("pre_tokenizer", preTokenizer(options));
        root.set("post_processor", TemplatePostProcessor.bertStyle("[CLS]", ids.get("[CLS]"), "[SEP]", ids.get("[SEP]")));
        ObjectNode decoder = root.putObject("decoder");
        metaspace(decoder);
        ObjectNode m = root.putObject("model");
        m.put("type", "Unigram");
        m.put("unk_id", unkId);
        ArrayNode vocab = m.putArray("vocab");
        for (Piece p : pieces) {
            ArrayNode e = vocab.addArray();
            e.add(p.piece());
            e.add(p.score());
        }
        m.put("byte_fallback", byteFallback);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode normalizer(Options o, byte[] charsmap) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("normalizers");
        if (o.family().equals("albert")) {
            replace(list, "``", "\"", false);
            replace(list, "''", "\"", false);
            if (!o.keepAccents()) {
                list.addObject().put("type", "NFKD");
                list.addObject().put("type", "StripAccents");
            }
            if (o.lowercase()) {
                list.addObject().put("type", "Lowercase");
            }
        } else if (o.lowercase()) {
            list.addObject().put("type", "Lowercase");
        }
        // Both slow tokenizers strip the text (SentencePiece removes outer whitespace itself); without
        // this, text ending in spaces would get a trailing "▁" piece that SentencePiece never emits.
        ObjectNode strip = list.addObject();
        strip.put("type", "Strip");
        strip.put("strip_left", true);
        strip.put("strip_right", true);
        if (charsmap.length > 0) {
            ObjectNode pre = list.addObject();
            pre.put("type", "Precompiled");
            pre.put("precompiled_charsmap", Base64.getEncoder().encodeToString(charsmap));
        }
        replace(list, " {2,}", " ", true);
        return seq;
    }

    private static void replace(ArrayNode list, String pattern, String content, boolean regex) {
        ObjectNode r = list.addObject();
        r.put("type", "Replace");
        r.putObject("pattern").put(regex ? "Regex" : "String", pattern);
        r.put("content", content);
    }

    private static ObjectNode preTokenizer(Options o) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        if (o.splitByPunct()) {
            ObjectNode p = list.addObject();
            p.put("type", "Punctuation");
            p.put("behavior", "Isolated");
        }
        metaspace(list.addObject());
        return seq;
    }

    private static void metaspace(ObjectNode n) {
        n.put("type", "Metaspace");
        n.put("replacement", "\u2581");
        n.put("prepend_scheme", "always");
        n.put("split", true);
    }

    private static void addedToken(ArrayNode added, int id, String content, boolean special) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", special);
    }

    private static Piece piece(ProtoReader r) {
        String text = "";
        float score = 0;
        int type = NORMAL;
        while (r.hasMore()) {
            int tag = r.readTag();
            int f = tag >>> 3;
            if (f == 1 && (tag & 7) == ProtoReader.LENGTH_DELIMITED) {
                text = r.readString();
            } else if (f == 2 && (tag & 7) == ProtoReader.FIXED32) {
                score = r.readFixed32Float();
            } else if (f == 3 && (tag & 7) == ProtoReader.VARINT) {
                type = (int) r.readVarint();
            } else {
                r.skip(tag & 7);
            }
        }
        return new Piece(text, score, type);
    }
}
