package dev.dcft.adapters.dcft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.dcft.model.nn.Scalars;
import dev.dcft.model.nn.Scope;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * AdaLoRA's orthogonality penalty on the subspace factors, averaged over the factor tensors (two
 * per adapted layer) and multiplied by gamma. {@link Form#RELEASED} is what the released code
 * computes: the Frobenius norm {@code ||A A^T - I||_F} (for rank 1: {@code | ||a||^2 - 1 |});
 * {@link Form#PAPER} is the paper's squared norm. The kernel C is not regularised.
 */
public final class OrthogonalRegularizer implements dev.dcft.adapters.AuxiliaryLoss {
    public enum Form {
        RELEASED, PAPER;

        public static Form parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "released", "unit-norm", "frobenius" -> RELEASED;
                case "paper", "squared" -> PAPER;
                default -> throw new IllegalArgumentException("unknown regulariser form '" + s + "' (released or paper)");
            };
        }
    }

    /** Keeps the gradient of the norm finite where the factor is exactly orthonormal. */
    private static final float EPS = 1e-12f;

    private final double gamma;
    private final Form form;

    public OrthogonalRegularizer(double gamma, Form form) {
        this.gamma = gamma;
        this.form = form;
    }

    public double gamma() {
        return gamma;
    }

    public Form form() {
        return form;
    }

    /** The penalty on the model's DCFT layers; null when there are none or gamma is 0. */
    @Override
    public NDArray loss(NDManager scope, Collection<dev.dcft.adapters.AdapterLayer> layers) {
        List<DcftLinear> dcft = layers.stream().filter(DcftLinear.class::isInstance).map(DcftLinear.class::cast).toList();
        return gamma > 0 && !dcft.isEmpty() ? penalty(scope, dcft) : null;
    }

    /**
     * {@code gamma * mean over factors of the penalty}, a scalar in {@code scope}. Factors of equal
     * shape are stacked and handled by one batched product: a few dozen operations per step
     * instead of a dozen per adapted layer.
     */
    public NDArray penalty(NDManager scope, Collection<DcftLinear> layers) {
        // A is [r, n_in]: rows are the subspace vectors, so A A^T. B is [n_out, r]: B^T B (= (B^T)(B^T)^T).
        Map<String, List<NDArray>> groups = new LinkedHashMap<>();
        for (DcftLinear layer : layers) {
            groups.computeIfAbsent("A" + layer.a().getShape(), k -> new ArrayList<>()).add(layer.a());
            NDArray bT = Scope.adopt(scope, layer.b().transpose());
            groups.computeIfAbsent("B" + bT.getShape(), k -> new ArrayList<>()).add(bT);
        }
        NDArray total = null;
        int count = 0;
        for (List<NDArray> group : groups.values()) {
            NDArray stacked = Scope.adopt(scope, NDArrays.stack(new NDList(group.toArray(new NDArray[0])))); // [L, r, n]
            NDArray gram = stacked.matMul(stacked.transpose(0, 2, 1)); // [L, r, r]
            int r = (int) gram.getShape().get(1);
            NDArray sq = gram.sub(scope.eye(r).toType(gram.getDataType(), false)).square().sum(new int[] {1, 2}); // [L]
            NDArray term = (form == Form.PAPER ? sq : Scalars.add(sq, EPS).sqrt()).sum();
            total = total == null ? term : total.add(term);
            count += group.size();
        }
        if (total == null) {
            return scope.create(0f);
        }
        return Scalars.mul(total, gamma / count);
    }
}
