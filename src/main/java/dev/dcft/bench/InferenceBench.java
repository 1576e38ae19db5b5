package dev.dcft.bench;

import ai.djl.ndarray.NDManager;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.Adapters;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.engine.Engines;
import dev.dcft.engine.Precision;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.LoadedModel;
import dev.dcft.model.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoder forward latency (no autograd) of the base model, a DCFT d=8 adapter left unmerged, and
 * the same adapter merged into the weights, for each precision asked, all interleaved on one batch.
 */
public final class InferenceBench {
    /** Forward times per round of one precision; ratios to base are medians of per-round ratios. */
    public record Result(List<Double> base, List<Double> unmerged, List<Double> merged) {
        public double mergedToBase() {
            return Stats.pairedRatio(merged, base);
        }

        public double unmergedToBase() {
            return Stats.pairedRatio(unmerged, base);
        }
    }

    private InferenceBench() {
    }

    public static Map<Precision, Result> run(BenchSetup setup, List<Precision> precisions) {
        Engines.gradientsOff();
        // The product's default, DCFT d=8 t=8 r=1, on BERT's six matrices per layer.
        AdapterSpec spec = AdapterSpec.of(AdapterMethods.forName("dcft", MethodOptions.empty()).configure(MethodOptions.empty(),
                TargetModules.names(dev.dcft.model.bert.BertArchitecture.TARGET_MODULES)));
        List<LoadedModel> models = new ArrayList<>();
        try {
            for (Precision p : precisions) {
                LoadedModel base = setup.load(p);
                models.add(base);
                LoadedModel unmerged = setup.load(p);
                models.add(unmerged);
                Adapters.apply(unmerged.model(), spec, unmerged.manager(), 3);
                LoadedModel merged = setup.load(p);
                models.add(merged);
                Adapters.apply(merged.model(), spec, merged.manager(), 3);
                Adapters.mergeAndUnload(merged.model());
            }
            List<List<Double>> times = new ArrayList<>();
            models.forEach(m -> times.add(new ArrayList<>()));
            TokenBatch batch = setup.batchTokens(models.get(0).model().config().vocabSize);
            for (int round = 0; round < setup.warmup() + setup.steps(); round++) {
                for (int i = 0; i < models.size(); i++) {
                    LoadedModel m = models.get(i);
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
            Map<Precision, Result> out = new LinkedHashMap<>();
            for (int k = 0; k < precisions.size(); k++) {
                out.put(precisions.get(k), new Result(times.get(3 * k), times.get(3 * k + 1), times.get(3 * k + 2)));
            }
            return out;
        } finally {
            models.forEach(LoadedModel::close);
        }
    }
}
