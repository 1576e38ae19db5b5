package dev.dcft.data;

import java.util.List;

/**
 * What a run trains and evaluates on, whatever its origin (a GLUE task, the user's files; SQuAD
 * later): the task, the training examples and one or more named evaluation sets; for the user's
 * files, the columns that were used.
 */
public record DataSource(TaskSpec spec, List<Example> train, List<EvalExamples> dev, int skipped, List<String> notes,
        UserData.Columns columns) {
    /** One evaluation set ("dev"; MNLI has "matched" and "mismatched"). */
    public record EvalExamples(String name, List<Example> examples) {
    }
}
