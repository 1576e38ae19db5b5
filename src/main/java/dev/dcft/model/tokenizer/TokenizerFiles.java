package dev.dcft.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer files of a model directory, copied verbatim when the model is saved, with a
 * {@code tokenizer.json} always among them: the directory's own, else one converted from
 * {@code spm.model} (SentencePiece: DeBERTa-v3, ALBERT, XLM-R) or {@code vocab.txt} (WordPiece:
 * BERT, also under {@code assets/} in a SavedModel), as Hugging Face's fast-tokenizer converters do.
 */
public final class TokenizerFiles {
    public static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.txt", "spm.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {
    }

    public static Map<String, byte[]> read(Path dir) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : FILES) {
            Path p = dir.resolve(f);
            if (!Files.exists(p) && f.equals("vocab.txt")) {
                p = dir.resolve("assets").resolve(f);
            }
            if (Files.exists(p)) {
                try {
                    files.put(f, Files.readAllBytes(p));
                } catch (IOException e) {
                    throw new ModelFormatException(p, "cannot read: " + e.getMessage());
                }
            }
        }
        if (!files.containsKey("tokenizer.json")) {
            if (files.containsKey("spm.model")) {
                files.put("tokenizer.json", SentencePieceTokenizerJson.fromModel(files.get("spm.model"),
                        options(files), dir.resolve("spm.model").toString()));
            } else if (files.containsKey("vocab.txt")) {
                files.put("tokenizer.json", WordPieceTokenizerJson.fromVocab(files.get("vocab.txt"),
                        doLowerCase(files, true), dir.resolve("vocab.txt").toString()));
            } else {
                throw new ModelFormatException(dir.resolve("tokenizer.json"), "file not found (a model directory needs"
                        + " tokenizer.json, spm.model or vocab.txt)");
            }
        }
        return files;
    }

    static boolean doLowerCase(Map<String, byte[]> files, boolean fallback) {
        JsonNode c = tokenizerConfig(files);
        return c.has("do_lower_case") ? c.get("do_lower_case").asBoolean() : fallback;
    }

    static JsonNode tokenizerConfig(Map<String, byte[]> files) {
        byte[] b = files.get("tokenizer_config.json");
        if (b == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static SentencePieceTokenizerJson.Options options(Map<String, byte[]> files) {
        return SentencePieceTokenizerJson.Options.from(tokenizerConfig(files));
    }
}
