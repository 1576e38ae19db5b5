package dev.dcft.bench;

import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.dcft.DcftConfig;
import dev.dcft.engine.Engines;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoder forward latency (no autograd) of the base model, a DCFT d=8 adapter left unmerged, and
 * the same adapter merged into the weights, interleaved on one batch.
 */
public final class InferenceBench {
    /** Median forward times and the ratios to base. */
    public record Result(Stats base, Stats unmerged, Stats merged) {
        public double mergedToBase() {
            return merged.median() / base.median();
        }

        public double unmergedToBase() {
            return unmerged.median() / base.median();
        }
    }

    private InferenceBench() {
    }

    public static Result run(BenchSetup setup) {
        Engines.gradientsOff();
        try (LoadedModel base = setup.load(); LoadedModel unmerged = setup.load(); LoadedModel merged = setup.load()) {
            AdapterSpec spec = AdapterSpec.dcft(new DcftConfig(8, 8, 1, DcftConfig.DEFAULT_ALPHA, DcftConfig.Init.GAUSSIAN, 0,
                    TargetModules.names(TargetModules.BERT_DEFAULT)));
            Adapters.apply(unmerged.model(), spec, unmerged.manager(), 3);
            Adapters.apply(merged.model(), spec, merged.manager(), 3);
            Adapters.mergeAndUnload(merged.model());
            LoadedModel[] models = {base, unmerged, merged};
            List<List<Double>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            TokenBatch batch = setup.batchTokens(base.model().config().vocabSize);
            for (int round = 0; round < setup.warmup() + setup.steps(); round++) {
                for (int i = 0; i < models.length; i++) {
                    LoadedModel m = models[i];
                    m.model().setTraining(false);
                    long t0 = System.nanoTime();
                    try (NDManager scope = m.manager().newSubManager()) {
                        m.model().forward(EncoderInput.of(scope, batch, m.model().config())).toFloatArray();
                    }
                    if (round >= setup.warmup()) {
                        times.get(i).add((System.nanoTime() - t0) / 1e6);
                    }
                }
            }
            return new Result(Stats.of(times.get(0)), Stats.of(times.get(1)), Stats.of(times.get(2)));
        }
    }
}
