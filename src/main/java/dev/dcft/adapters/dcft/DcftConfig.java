package dev.dcft.adapters.dcft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterLayer;
import dev.dcft.adapters.AdapterMethod;
import dev.dcft.adapters.AuxiliaryLoss;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.PeftCommonFields;
import dev.dcft.adapters.PeftConfigFields;
import dev.dcft.adapters.TargetModules;
import dev.dcft.adapters.serving.LayerMismatchException;
import dev.dcft.adapters.serving.Numbers;
import dev.dcft.adapters.serving.ServedLayer;
import dev.dcft.adapters.serving.ThinFactors;
import dev.dcft.engine.Engines;
import dev.dcft.io.HostTensor;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.nn.Linear;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DCFT hyperparameters. {@code alpha / rank} scales the increment; the default alpha 4 at rank 1
 * reproduces the released code's effective scale ({@code lora_alpha 32 / lora_r 8}).
 *
 * @param kernel      d, the transposed-convolution kernel size
 * @param stride      t, 1 <= t <= d (t = d: non-overlapping, the paper's default)
 * @param rank        r, the subspace rank (the paper's vectors are r = 1)
 * @param alpha       scale numerator
 * @param init        GAUSSIAN (A, B, C ~ N(0, 0.02^2), as the released code) or ZERO (B = 0, so Delta starts at 0)
 * @param dropout     dropout on the adapter's input
 * @param targets     which linear layers to adapt
 * @param gamma       weight of the orthogonality penalty on A and B while training (0: none); not saved in adapter files
 * @param regForm     which form of the penalty ({@link OrthogonalRegularizer.Form})
 */
public record DcftConfig(int kernel, int stride, int rank, double alpha, Init init, double dropout, TargetModules targets, double gamma,
        OrthogonalRegularizer.Form regForm) implements MethodConfig {
    public enum Init {
        GAUSSIAN, ZERO;

        public String peftName() {
            return this == GAUSSIAN ? "gaussian" : "zero";
        }

        public static Init parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "gaussian", "true", "default" -> GAUSSIAN;
                case "zero", "zeros" -> ZERO;
                default -> throw new IllegalArgumentException("unknown DCFT init '" + s + "' (gaussian or zero)");
            };
        }
    }

    public static final double DEFAULT_ALPHA = 4;
    public static final double INIT_STD = 0.02;
    /** The cpu preset's penalty weight and the released code's form. */
    public static final double DEFAULT_GAMMA = 0.1;

    /** Without a training penalty setting: the default weight and form. */
    public DcftConfig(int kernel, int stride, int rank, double alpha, Init init, double dropout, TargetModules targets) {
        this(kernel, stride, rank, alpha, init, dropout, targets, DEFAULT_GAMMA, OrthogonalRegularizer.Form.RELEASED);
    }

    public double scale() {
        return alpha / rank;
    }

    @Override
    public AdapterMethod method() {
        return DcftMethod.INSTANCE;
    }

    @Override
    public MethodConfig withTargets(TargetModules t) {
        return new DcftConfig(kernel, stride, rank, alpha, init, dropout, t, gamma, regForm);
    }

    @Override
    public MethodOptions options() {
        return MethodOptions.empty().with("kernel", kernel).with("stride", stride).with("rank", rank).with("alpha", alpha)
                .with("init", init.peftName()).with("adapter-dropout", dropout).with("gamma", gamma)
                .with("reg-form", regForm.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public String describe() {
        return String.format("DCFT d=%d t=%d r=%d", kernel, stride, rank);
    }

    @Override
    public AdapterLayer wrap(NDManager manager, String path, Linear base, SplittableRandom rng) {
        return new DcftLinear(manager, path, base, this, rng);
    }

    @Override
    public long parameterCount(AdaptableLinear layer) {
        return DcftGeometry.of(layer.path(), layer.in(), layer.out(), kernel, stride, rank).parameterCount();
    }

    @Override
    public void writePeftConfig(ObjectNode o, PeftCommonFields common) {
        o.put("peft_type", "DCFT");
        common.putBaseModel(o);
        o.put("kernel_size", kernel);
        o.put("stride", stride);
        o.put("r", rank);
        PeftConfigFields.putNumber(o, "alpha", alpha);
        o.put("dropout", dropout);
        o.put("init_weights", init.peftName());
        PeftConfigFields.putTargets(o, targets);
        common.putModulesToSave(o);
        common.putTaskType(o);
        o.put("inference_mode", true);
    }

    @Override
    public AuxiliaryLoss auxiliaryLoss() {
        return gamma > 0 ? new OrthogonalRegularizer(gamma, regForm) : null;
    }

    @Override
    public ServedLayer servedLayer(String module, int in, int out, Map<String, HostTensor> t, boolean bf16) {
        DcftGeometry g;
        try {
            g = DcftGeometry.of(module, in, out, kernel, stride, rank);
        } catch (IllegalArgumentException e) {
            throw new LayerMismatchException(e.getMessage());
        }
        HostTensor av = ThinFactors.tensor(module, t, "dcft_A", g.rank(), g.nIn());
        HostTensor bv = ThinFactors.tensor(module, t, "dcft_B", g.nOut(), g.rank());
        HostTensor cv = ThinFactors.tensor(module, t, "dcft_C", g.kernel(), g.kernel());
        float s = (float) scale();
        if (g.stride() == g.kernel()) {
            return new DcftKroneckerLayer(g.kernel(), g.rank(), g.nIn(), g.nOut(),
                    Numbers.of(ThinFactors.transposed(av.data(), g.rank(), g.nIn(), 1), bf16),
                    Numbers.of(ThinFactors.transposed(bv.data(), g.nOut(), g.rank(), s), bf16), Numbers.of(cv.data(), bf16));
        }
        // Overlapping kernels: build the two thin factors once, here, with the training code's own construction.
        Engines.gradientsOff();
        try (NDManager m = Engines.newManager()) {
            NDArray inT = DcftKernels.inputFactorT(m, m.create(av.data(), new Shape(av.shape())), m.create(cv.data(), new Shape(cv.shape())), g);
            NDArray outT = DcftKernels.outputFactorT(m, m.create(bv.data(), new Shape(bv.shape())), g);
            int rows = g.rank() * g.kernel();
            float[] scaledOutT = outT.toFloatArray();
            for (int i = 0; i < scaledOutT.length; i++) {
                scaledOutT[i] *= s;
            }
            return new ThinFactors(rows, in, out, Numbers.of(inT.toFloatArray(), bf16), Numbers.of(scaledOutT, bf16));
        }
    }
}
