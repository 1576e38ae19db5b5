package dev.dcft.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.engine.Engines;
import dev.dcft.model.nn.AdapterWeights;
import dev.dcft.model.nn.Linear;
import dev.dcft.model.nn.LinearLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One adapted layer in isolation: the bare frozen layer, factorised DCFT, materialised DCFT and
 * LoRA r=1, forward alone and forward plus backward (gradients for the input and the adapter).
 */
public final class LayerBench {
    /** Forward and forward+backward medians for one variant. */
    public record Result(String shape, String variant, Stats forwardMs, Stats forwardBackwardMs) {
    }

    private LayerBench() {
    }

    public static List<Result> run(int tokens, int[][] shapes, int steps, int warmup) {
        Engines.gradientsOff();
        List<Result> out = new ArrayList<>();
        try (NDManager m = Engines.newManager()) {
            for (int[] s : shapes) {
                int in = s[0];
                int outDim = s[1];
                String label = in + "x" + outDim;
                Map<String, LinearLayer> variants = new LinkedHashMap<>();
                TargetModules t = TargetModules.names(List.of("x"));
                variants.put("frozen", linear(m, in, outDim));
                for (String name : List.of("dcft-d8", "dcft-d8-materialized", "lora-r1")) {
                    BenchMethod b = BenchMethod.parse(name);
                    AdapterLayer layer = b.spec().config().withTargets(t).wrap(m, label, linear(m, in, outDim), new SplittableRandom(1));
                    layer.setMaterialized(b.materialized());
                    variants.put(name, layer);
                }
                for (LinearLayer l : variants.values()) {
                    AdapterWeights.of(l).forEach(w -> w.setRequiresGradient(true));
                }
                float[] xs = new float[tokens * in];
                SplittableRandom rng = new SplittableRandom(5);
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = (float) (rng.nextDouble() * 2 - 1);
                }
                Map<String, List<Double>> fwd = new LinkedHashMap<>();
                Map<String, List<Double>> both = new LinkedHashMap<>();
                for (int round = 0; round < warmup + steps; round++) {
                    for (Map.Entry<String, LinearLayer> v : variants.entrySet()) {
                        try (NDManager scope = m.newSubManager()) {
                            NDArray x = scope.create(xs, new Shape(tokens, in));
                            long t0 = System.nanoTime();
                            v.getValue().forward(x).toFloatArray();
                            double f = (System.nanoTime() - t0) / 1e6;
                            x.setRequiresGradient(true);
                            long t1 = System.nanoTime();
                            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                                gc.backward(v.getValue().forward(x).sum());
                            }
                            x.getGradient().attach(scope);
                            double fb = (System.nanoTime() - t1) / 1e6;
                            if (round >= warmup) {
                                fwd.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(f);
                                both.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(fb);
                            }
                        }
                    }
                }
                for (String v : variants.keySet()) {
                    out.add(new Result(label, v, Stats.of(fwd.get(v)), Stats.of(both.get(v))));
                }
            }
        }
        return out;
    }

    private static Linear linear(NDManager m, int in, int out) {
        Linear l = new Linear(m, in, out, true);
        float[] w = new float[in * out];
        SplittableRandom rng = new SplittableRandom(in * 31L + out);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.05);
        }
        l.weight().set(m.create(w, new Shape(out, in)));
        return l;
    }
}
