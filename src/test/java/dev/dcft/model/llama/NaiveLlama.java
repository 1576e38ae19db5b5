package dev.dcft.model.llama;

import dev.dcft.io.HostTensor;
import java.util.Map;

/**
 * A Llama-family decoder by its definition, in float64 loops over the checkpoint's tensors, one sequence at
 * a time without padding: RMSNorm, rotary embeddings with rotate_half pairing (inverse frequencies of rope
 * types default, linear and llama3 computed here from their definitions), grouped-query attention
 * with a causal and optional sliding-window mask, SwiGLU, tied or separate output. Written from Hugging
 * Face's modeling_llama.py / modeling_qwen2.py / modeling_mistral.py descriptions; the reference the module
 * tree is tested against besides Hugging Face's own numbers.
 */
final class NaiveLlama {
    private final LlamaConfig c;
    private final Map<String, HostTensor> w;

    NaiveLlama(LlamaConfig c, Map<String, HostTensor> weights) {
        this.c = c;
        this.w = weights;
    }

    private double[][] matrix(String name) {
        HostTensor t = w.get(name);
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = t.data()[i * cols + j];
            }
        }
        return m;
    }

    private double[] vector(String name) {
        HostTensor t = w.get(name);
        if (t == null) {
            return null;
        }
        double[] v = new double[t.data().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.data()[i];
        }
        return v;
    }

    /** {@code x W^T + b} for one row. */
    private static double[] linear(double[] x, double[][] wt, double[] b) {
        double[] y = new double[wt.length];
        for (int o = 0; o < wt.length; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < x.length; i++) {
                s += wt[o][i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private double[] rms(double[] x, double[] g) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double inv = 1 / Math.sqrt(ms / x.length + c.rmsEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * g[i];
        }
        return y;
    }

    /** Rotates head vector {@code v} (length head_dim) in place for position {@code pos}. */
    private void rope(double[] v, int pos, double[] inv) {
        int rot = c.rope().rotaryDim();
        int half = rot / 2;
        double[] out = v.clone();
        for (int k = 0; k < half; k++) {
            double a = inv[k] * pos;
            // rotate_half pairs dimension k with k + half: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
            out[k] = v[k] * Math.cos(a) - v[k + half] * Math.sin(a);
            out[k + half] = v[k + half] * Math.cos(a) + v[k] * Math.sin(a);
        }
        System.arraycopy(out, 0, v, 0, rot);
    }

    /**
     * theta^(-2i/rot); linear divides each by the factor; llama3 divides those whose wavelength 2 pi / f exceeds
     * original_max / low_freq_factor, keeps those below original_max / high_freq_factor, and between them blends
     * f / factor and f with weight s = (original_max / wavelength - low) / (high - low) on f.
     */
    private double[] inverseFrequencies() {
        Rope r = c.rope();
        int half = r.rotaryDim() / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = Math.pow(r.theta(), -2.0 * i / r.rotaryDim());
            if (r.type().equals("linear")) {
                f[i] /= r.factor();
            } else if (r.type().equals("llama3")) {
                double wavelength = 2 * Math.PI / f[i];
                double low = r.originalMaxPositions() / r.lowFreqFactor();
                double high = r.originalMaxPositions() / r.highFreqFactor();
                if (wavelength > low) {
                    f[i] /= r.factor();
                } else if (wavelength >= high) {
                    double sm = (r.originalMaxPositions() / wavelength - r.lowFreqFactor()) / (r.highFreqFactor() - r.lowFreqFactor());
                    f[i] = sm * f[i] + (1 - sm) * f[i] / r.factor();
                }
            }
        }
        return f;
    }

    /** Logits {@code [T][vocab]} of one unpadded sequence, positions 0..T-1. */
    double[][] logits(long[] ids) {
        int t = ids.length;
        int h = c.hiddenSize();
        int d = c.headDim();
        double[][] embed = matrix("model.embed_tokens.weight");
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = embed[(int) ids[i]].clone();
        }
        double[] inv = inverseFrequencies();
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] wq = matrix(p + "self_attn.q_proj.weight");
            double[][] wk = matrix(p + "self_attn.k_proj.weight");
            double[][] wv = matrix(p + "self_attn.v_proj.weight");
            double[][] wo = matrix(p + "self_attn.o_proj.weight");
            double[][] q = new double[t][];
            double[][] k = new double[t][];
            double[][] v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] n = rms(x[i], vector(p + "input_layernorm.weight"));
                q[i] = linear(n, wq, vector(p + "self_attn.q_proj.bias"));
                k[i] = linear(n, wk, vector(p + "self_attn.k_proj.bias"));
                v[i] = linear(n, wv, vector(p + "self_attn.v_proj.bias"));
                for (int hh = 0; hh < c.heads(); hh++) {
                    double[] head = java.util.Arrays.copyOfRange(q[i], hh * d, (hh + 1) * d);
                    rope(head, i, inv);
                    System.arraycopy(head, 0, q[i], hh * d, d);
                }
                for (int hh = 0; hh < c.kvHeads(); hh++) {
                    double[] head = java.util.Arrays.copyOfRange(k[i], hh * d, (hh + 1) * d);
                    rope(head, i, inv);
                    System.arraycopy(head, 0, k[i], hh * d, d);
                }
            }
            int groups = c.heads() / c.kvHeads();
            double[][] next = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] ctx = new double[c.heads() * d];
                for (int hh = 0; hh < c.heads(); hh++) {
                    int kv = hh / groups;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        if (c.slidingWindow() != null && i - j >= c.slidingWindow()) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += q[i][hh * d + e] * k[j][kv * d + e];
                        }
                        s[j] = dot / Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < d; e++) {
                            ctx[hh * d + e] += s[j] / z * v[j][kv * d + e];
                        }
                    }
                }
                double[] attn = linear(ctx, wo, vector(p + "self_attn.o_proj.bias"));
                double[] r = new double[h];
                for (int e = 0; e < h; e++) {
                    r[e] = x[i][e] + attn[e];
                }
                double[] n = rms(r, vector(p + "post_attention_layernorm.weight"));
                double[] gate = linear(n, matrix(p + "mlp.gate_proj.weight"), vector(p + "mlp.gate_proj.bias"));
                double[] up = linear(n, matrix(p + "mlp.up_proj.weight"), vector(p + "mlp.up_proj.bias"));
                double[] act = new double[gate.length];
                for (int e = 0; e < gate.length; e++) {
                    act[e] = gate[e] / (1 + Math.exp(-gate[e])) * up[e];
                }
                double[] down = linear(act, matrix(p + "mlp.down_proj.weight"), vector(p + "mlp.down_proj.bias"));
                for (int e = 0; e < h; e++) {
                    r[e] += down[e];
                }
                next[i] = r;
            }
            x = next;
        }
        double[][] out = c.tieEmbeddings() ? embed : matrix("lm_head.weight");
        double[][] logits = new double[t][];
        for (int i = 0; i < t; i++) {
            logits[i] = linear(rms(x[i], vector("model.norm.weight")), out, null);
        }
        return logits;
    }
}
