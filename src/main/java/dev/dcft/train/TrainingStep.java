package dev.dcft.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.dcft.adapters.AuxiliaryLoss;
import dev.dcft.model.EncoderInput;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One optimisation step: forward, loss (plus the method's auxiliary loss, DCFT's regulariser), backward, global-norm
 * clipping, AdamW, gradients cleared. Shared by the trainer and the benchmark, so what is
 * measured is what trains.
 */
public final class TrainingStep {
    /**
     * The step's task loss and gradient norm (before clipping), whole and split into the head's
     * tensors and the others (the adapter's, or the encoder's in full fine-tuning).
     */
    public record Outcome(double loss, double objective, double gradNorm, double adapterGradNorm, double headGradNorm) {
    }

    private final TaskModel model;
    private final Map<String, Parameter> params;
    private final AdamW optimizer;
    private final AuxiliaryLoss auxiliary;
    private final double clipNorm;
    private final java.util.Set<String> head = new java.util.HashSet<>();

    /** {@code auxiliary}: the method's extra loss ({@link dev.dcft.adapters.MethodConfig#auxiliaryLoss}), or null. */
    public TrainingStep(TaskModel model, Map<String, Parameter> params, AdamW optimizer, AuxiliaryLoss auxiliary, double clipNorm) {
        this.model = model;
        this.params = params;
        this.optimizer = optimizer;
        this.auxiliary = auxiliary;
        this.clipNorm = clipNorm;
        params.keySet().stream().filter(model::isHead).forEach(head::add);
    }

    /**
     * Runs the step in {@code scope}. A non-finite loss or gradient is reported by {@code onBad}
     * before any parameter changes, so the model stays at its last good state.
     */
    public Outcome run(NDManager scope, EncoderInput in, float[] targets, double lr, java.util.function.Consumer<String> onBad) {
        NDArray loss;
        NDArray objective;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            loss = model.loss(scope, model.logits(in), targets);
            NDArray extra = auxiliary == null ? null : auxiliary.loss(scope, model.adapterLayers());
            objective = extra != null ? loss.add(extra) : loss;
            gc.backward(objective);
        }
        double lossValue = loss.getFloat();
        double objectiveValue = objective.getFloat();
        if (!Double.isFinite(objectiveValue)) {
            onBad.accept("the loss became " + (Double.isNaN(objectiveValue) ? "NaN" : "infinite"));
        }
        double[] norms = applyGradients(scope, params, head, optimizer, clipNorm, lr, lossValue, onBad);
        return new Outcome(lossValue, objectiveValue, norms[0], norms[2], norms[1]);
    }

    /**
     * After backward: the global gradient norm (summed in parameter order), the same split into {@code head} and the
     * rest, clipping to {@code clipNorm}, the optimizer's step at {@code lr}, gradients cleared in place. A non-finite
     * gradient goes to {@code onBad} before any parameter changes. Returns {whole, head, rest} norms before clipping.
     */
    static double[] applyGradients(NDManager scope, Map<String, Parameter> params, java.util.Set<String> head, AdamW optimizer,
            double clipNorm, double lr, double lossValue, java.util.function.Consumer<String> onBad) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        NDArray sq = null; // summed in parameter order, as before the split, so that clipping is unchanged to the bit
        NDArray headSq = null;
        NDArray otherSq = null;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray g = Scope.adopt(scope, e.getValue().value().getGradient());
            grads.put(e.getKey(), g);
            NDArray s = g.square().sum();
            sq = sq == null ? s : sq.add(s);
            if (head.contains(e.getKey())) {
                headSq = headSq == null ? s : headSq.add(s);
            } else {
                otherSq = otherSq == null ? s : otherSq.add(s);
            }
        }
        double gradNorm = sq == null ? 0 : Math.sqrt(sq.getFloat());
        double headNorm = headSq == null ? 0 : Math.sqrt(headSq.getFloat());
        double otherNorm = otherSq == null ? 0 : Math.sqrt(otherSq.getFloat());
        if (!Double.isFinite(gradNorm)) {
            String bad = grads.entrySet().stream().filter(e -> !Float.isFinite(e.getValue().square().sum().getFloat()))
                    .map(Map.Entry::getKey).findFirst().orElse("?");
            onBad.accept("the gradient of " + bad + " became non-finite (loss " + lossValue + ")");
        }
        double clip = clipNorm > 0 && gradNorm > clipNorm ? clipNorm / (gradNorm + 1e-6) : 1.0;
        Map<String, NDArray> used = grads;
        if (clip < 1.0) {
            used = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                used.put(e.getKey(), e.getValue().mul((float) clip));
            }
        }
        optimizer.step(scope, used, lr);
        for (NDArray g : grads.values()) {
            g.muli(0); // gradients accumulate across backward passes: clear them in place
        }
        return new double[] {gradNorm, headNorm, otherNorm};
    }
}
