package dev.dcft.data.squad;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SQuAD-format JSON (v1.1 and v2.0): {@code data[].paragraphs[].qas[]}. Every answer's
 * {@code answer_start} must point at its text in the context; a question that breaks that, or has
 * an empty question or context, stops the read with {@code file:question_id:reason}, or is skipped
 * and counted. Contexts of any length are kept whole (windowing happens later).
 */
public final class SquadReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The questions, and how many were skipped as malformed. */
    public record Result(List<SquadQuestion> questions, int skipped, int articles) {
    }

    private SquadReader() {
    }

    public static Result read(Path file, boolean skipBad) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ModelFormatException(file, "malformed JSON at line " + (at == null ? "?" : at.getLineNr()) + ", column "
                    + (at == null ? "?" : at.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage());
        }
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray()) {
            throw new ModelFormatException(file, "not SQuAD format: no \"data\" array");
        }
        List<SquadQuestion> out = new ArrayList<>();
        int skipped = 0;
        for (int a = 0; a < data.size(); a++) {
            for (JsonNode para : data.get(a).path("paragraphs")) {
                String context = para.path("context").asText("");
                for (JsonNode qa : para.path("qas")) {
                    String id = qa.path("id").asText("");
                    try {
                        out.add(question(qa, id, context, a, file));
                    } catch (ModelFormatException e) {
                        if (!skipBad) {
                            throw e;
                        }
                        skipped++;
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new ModelFormatException(file, "no questions");
        }
        return new Result(out, skipped, data.size());
    }

    private static SquadQuestion question(JsonNode qa, String id, String context, int article, Path file) {
        String where = file + ":" + id;
        String question = qa.path("question").asText("");
        if (id.isEmpty()) {
            throw new ModelFormatException(where, "question without an id (use --skip-bad-rows to skip such questions)");
        }
        if (question.isBlank()) {
            throw new ModelFormatException(where, "empty question (use --skip-bad-rows to skip such questions)");
        }
        if (context.isBlank()) {
            throw new ModelFormatException(where, "empty context (use --skip-bad-rows to skip such questions)");
        }
        boolean impossible = qa.path("is_impossible").asBoolean(false);
        List<SquadQuestion.Answer> answers = new ArrayList<>();
        for (JsonNode ans : qa.path("answers")) {
            String text = ans.path("text").asText("");
            int start = ans.path("answer_start").asInt(-1);
            if (start < 0 || start + text.length() > context.length() || !context.startsWith(text, start)) {
                throw new ModelFormatException(where, "answer_start " + start + " does not point at the answer text \"" + text
                        + "\" in the context (use --skip-bad-rows to skip such questions)");
            }
            answers.add(new SquadQuestion.Answer(text, start));
        }
        if (answers.isEmpty() && !impossible) {
            throw new ModelFormatException(where, "no answers and not marked is_impossible (use --skip-bad-rows to skip such questions)");
        }
        return new SquadQuestion(id, question, context, answers, impossible, article);
    }
}
