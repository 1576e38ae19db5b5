package dev.dcft.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Parameter;
import dev.dcft.model.nn.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, as torch.optim.AdamW: {@code p -= lr * wd * p}, then the
 * bias-corrected Adam step. Moments live in the optimizer's own manager and are updated in place;
 * everything temporary goes to the step's manager. No weight decay on biases and LayerNorm weights
 * (Hugging Face's convention). Parameters may belong to groups with their own rate (a factor of the
 * step's rate) and decay, as torch's parameter groups: the head trains at {@code --head-lr}.
 */
public final class AdamW {
    private final Map<String, Parameter> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final NDManager state;
    private int steps;

    /** A parameter group: its rate as a factor of the step's rate, and its decoupled weight decay. */
    public record Group(double rateFactor, double weightDecay) {
    }

    public AdamW(Map<String, Parameter> params, NDManager state, double beta1, double beta2, double eps, double weightDecay) {
        this(params, state, beta1, beta2, eps, name -> new Group(1, weightDecay));
    }

    /** With a group for every parameter name. */
    public AdamW(Map<String, Parameter> params, NDManager state, double beta1, double beta2, double eps,
            java.util.function.Function<String, Group> groupOf) {
        this.params = params;
        this.state = state;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            groups.put(e.getKey(), groupOf.apply(e.getKey()));
            NDArray p = e.getValue().value();
            m.put(e.getKey(), state.zeros(p.getShape(), p.getDataType()));
            v.put(e.getKey(), state.zeros(p.getShape(), p.getDataType()));
        }
    }

    static boolean decays(String name) {
        return !(name.endsWith(".bias") || name.contains("LayerNorm"));
    }

    /**
     * Applies one step with learning rate {@code lr} (times each group's factor) to gradients
     * {@code grads} (already clipped, in {@code scope}).
     */
    public void step(NDManager scope, Map<String, NDArray> grads, double lr) {
        steps++;
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            NDArray g = grads.get(name);
            NDArray p = e.getValue().value();
            NDArray mm = m.get(name);
            NDArray vv = v.get(name);
            Group group = groups.get(name);
            double rate = lr * group.rateFactor();
            mm.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            vv.muli((float) beta2).addi(g.square().mul((float) (1 - beta2)));
            NDArray denom = Scope.adopt(scope, vv.sqrt()).div((float) Math.sqrt(bc2)).add((float) eps);
            NDArray update = Scope.adopt(scope, mm.div(denom)).mul((float) (rate / bc1));
            if (group.weightDecay() > 0 && decays(name)) {
                p.muli((float) (1 - rate * group.weightDecay()));
            }
            p.subi(update);
        }
    }

    public int steps() {
        return steps;
    }

    public Map<String, NDArray> firstMoments() {
        return m;
    }

    public Map<String, NDArray> secondMoments() {
        return v;
    }

    private NDArray restored(NDArray old, float[] data) {
        NDArray fresh = state.create(data, old.getShape());
        old.close();
        return fresh;
    }

    /** Restores state saved with a checkpoint. */
    public void restore(int steps, Map<String, float[]> first, Map<String, float[]> second) {
        this.steps = steps;
        // New arrays rather than NDArray.set, which makes libtorch print a deprecation warning on every resume.
        for (String name : params.keySet()) {
            m.put(name, restored(m.get(name), first.get(name)));
            v.put(name, restored(v.get(name), second.get(name)));
        }
    }
}
