package dev.dcft.experiment;

import java.io.PrintWriter;

/**
 * Runs a grid on a cluster instead of one machine ({@code dcft experiment run GRID --spark MASTER}): found with
 * {@link java.util.ServiceLoader}, so the core library does not depend on a cluster engine; the dcft-spark module provides
 * one (README, "On a Spark cluster").
 */
public interface ClusterGridRunner {
    /**
     * Runs the grid's planned runs (those matching {@code only}, null: all) that have no summary under {@code summaries}
     * yet, each as one task of {@code threads} cores, resuming a run that has a checkpoint under {@code runs}.
     */
    ExperimentRunner.Outcome run(String master, java.nio.file.Path grid, String runs, String summaries, String only, int threads,
            PrintWriter log) throws Exception;

    /** The runner on the class path, or null when none is. */
    static ClusterGridRunner find() {
        return java.util.ServiceLoader.load(ClusterGridRunner.class).findFirst().orElse(null);
    }
}
