package dev.dcft.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Where a run's own (non-GLUE) data comes from and what was learned from it: the files, columns and
 * format, the task type and the label names in id order (written once the training file is read,
 * so that eval, predict and resume need not read it again). SQuAD runs keep their files (or none:
 * the data directory's) and their windowing and answer settings here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DataConfig(String trainFile, String devFile, String format, String textColumn, String textPairColumn,
        String labelColumn, String taskType, List<String> labels, boolean pairs, double devFraction,
        int docStride, int maxAnswerLength, double nullThreshold) {

    public DataConfig(String trainFile, String devFile, String format, String textColumn, String textPairColumn,
            String labelColumn, String taskType, List<String> labels, boolean pairs, double devFraction) {
        this(trainFile, devFile, format, textColumn, textPairColumn, labelColumn, taskType, labels, pairs, devFraction, 0, 0, 0);
    }

    /** SQuAD files and post-processing: {@code trainFile}/{@code devFile} null means the data directory's. */
    public static DataConfig squad(String trainFile, String devFile, int docStride, int maxAnswerLength, double nullThreshold) {
        return new DataConfig(trainFile, devFile, null, null, null, null, "question-answering", null, true, 0, docStride,
                maxAnswerLength, nullThreshold);
    }

    public DataConfig withLearned(String textColumn, String textPairColumn, String labelColumn, String taskType,
            List<String> labels, boolean pairs) {
        return new DataConfig(trainFile, devFile, format, textColumn, textPairColumn, labelColumn, taskType, labels, pairs, devFraction,
                docStride, maxAnswerLength, nullThreshold);
    }
}
