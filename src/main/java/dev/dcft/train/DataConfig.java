package dev.dcft.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Where a run's own (non-GLUE) data comes from and what was learned from it: the files, columns and
 * format, the task type and the label names in id order (written once the training file is read,
 * so that eval, predict and resume need not read it again).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DataConfig(String trainFile, String devFile, String format, String textColumn, String textPairColumn,
        String labelColumn, String taskType, List<String> labels, boolean pairs, double devFraction) {

    public DataConfig withLearned(String textColumn, String textPairColumn, String labelColumn, String taskType,
            List<String> labels, boolean pairs) {
        return new DataConfig(trainFile, devFile, format, textColumn, textPairColumn, labelColumn, taskType, labels, pairs, devFraction);
    }
}
