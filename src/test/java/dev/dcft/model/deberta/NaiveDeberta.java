package dev.dcft.model.deberta;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.io.HostTensor;
import java.util.Map;

/**
 * DeBERTa-v2's forward pass written as plain loops in double precision from Hugging Face's
 * definition (modeling_deberta_v2.py), sharing nothing with the production classes: the
 * independent definition the model is tested against.
 */
final class NaiveDeberta {
    private final Map<String, HostTensor> w;
    private final JsonNode c;
    private final int hidden;
    private final int heads;
    private final int dh;
    private final double eps;

    NaiveDeberta(Map<String, HostTensor> weights, JsonNode config) {
        this.w = weights;
        this.c = config;
        hidden = config.get("hidden_size").asInt();
        heads = config.get("num_attention_heads").asInt();
        dh = hidden / heads;
        eps = config.path("layer_norm_eps").asDouble(1e-7);
    }

    /** Last hidden states {@code [b][t][hidden]}; rows with mask 0 are padding. */
    double[][][] forward(long[][] ids, long[][] types, int[][] mask) {
        double[][][] out = new double[ids.length][][];
        for (int b = 0; b < ids.length; b++) {
            out[b] = row(ids[b], types[b], mask[b]);
        }
        return out;
    }

    private double[][] row(long[] ids, long[] types, int[] mask) {
        int t = ids.length;
        int embSize = c.path("embedding_size").asInt(hidden);
        boolean posBiased = c.path("position_biased_input").asBoolean(true);
        int typeVocab = c.path("type_vocab_size").asInt(0);
        double[][] e = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] x = rowOf("embeddings.word_embeddings.weight", ids[i], embSize);
            if (posBiased) {
                add(x, rowOf("embeddings.position_embeddings.weight", i, embSize));
            }
            if (typeVocab > 0) {
                add(x, rowOf("embeddings.token_type_embeddings.weight", types[i], embSize));
            }
            if (embSize != hidden) {
                x = linear(x, "embeddings.embed_proj", false);
            }
            x = layerNorm(x, "embeddings.LayerNorm");
            scale(x, mask[i]);
            e[i] = x;
        }
        double[][] rel = null;
        int span = 0;
        boolean relative = c.path("relative_attention").asBoolean(false);
        int buckets = c.path("position_buckets").asInt(-1);
        int maxRel = c.path("max_relative_positions").asInt(-1);
        if (maxRel < 1) {
            maxRel = c.get("max_position_embeddings").asInt();
        }
        if (relative) {
            span = buckets > 0 ? buckets : maxRel;
            rel = new double[2 * span][];
            boolean norm = c.path("norm_rel_ebd").asText("none").contains("layer_norm");
            for (int r = 0; r < 2 * span; r++) {
                rel[r] = rowOf("encoder.rel_embeddings.weight", r, hidden);
                if (norm) {
                    rel[r] = layerNorm(rel[r], "encoder.LayerNorm");
                }
            }
        }
        String posType = c.path("pos_att_type").isArray() ? c.get("pos_att_type").toString() : c.path("pos_att_type").asText("");
        boolean c2p = relative && posType.contains("c2p");
        boolean p2c = relative && posType.contains("p2c");
        boolean share = c.path("share_att_key").asBoolean(false);
        int factor = 1 + (c2p ? 1 : 0) + (p2c ? 1 : 0);
        double s = Math.sqrt(dh * (double) factor);
        double[][] h = e;
        int layers = c.get("num_hidden_layers").asInt();
        for (int l = 0; l < layers; l++) {
            String p = "encoder.layer." + l + ".";
            double[][] q = new double[t][];
            double[][] k = new double[t][];
            double[][] v = new double[t][];
            for (int i = 0; i < t; i++) {
                q[i] = linear(h[i], p + "attention.self.query_proj", true);
                k[i] = linear(h[i], p + "attention.self.key_proj", true);
                v[i] = linear(h[i], p + "attention.self.value_proj", true);
            }
            double[][] posK = null;
            double[][] posQ = null;
            if (relative) {
                posK = new double[2 * span][];
                posQ = new double[2 * span][];
                for (int r = 0; r < 2 * span; r++) {
                    if (c2p) {
                        posK[r] = linear(rel[r], p + "attention.self." + (share ? "key_proj" : "pos_key_proj"), true);
                    }
                    if (p2c) {
                        posQ[r] = linear(rel[r], p + "attention.self." + (share ? "query_proj" : "pos_query_proj"), true);
                    }
                }
            }
            double[][] ctx = new double[t][hidden];
            for (int hh = 0; hh < heads; hh++) {
                int o = hh * dh;
                for (int i = 0; i < t; i++) {
                    if (mask[i] == 0) {
                        continue;
                    }
                    double[] score = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (mask[j] == 0) {
                            continue;
                        }
                        double sc = dot(q[i], k[j], o) / s;
                        if (c2p) {
                            int idx = clamp(bucket(i - j, buckets, maxRel) + span, 2 * span - 1);
                            sc += dot(q[i], posK[idx], o) / s;
                        }
                        if (p2c) {
                            int idx = clamp(-bucket(j - i, buckets, maxRel) + span, 2 * span - 1);
                            sc += dot(k[j], posQ[idx], o) / s;
                        }
                        score[j] = sc;
                        max = Math.max(max, sc);
                    }
                    double z = 0;
                    for (int j = 0; j < t; j++) {
                        if (mask[j] != 0) {
                            score[j] = Math.exp(score[j] - max);
                            z += score[j];
                        }
                    }
                    for (int j = 0; j < t; j++) {
                        if (mask[j] != 0) {
                            for (int d = 0; d < dh; d++) {
                                ctx[i][o + d] += score[j] / z * v[j][o + d];
                            }
                        }
                    }
                }
            }
            double[][] next = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] a = linear(ctx[i], p + "attention.output.dense", true);
                add(a, h[i]);
                a = layerNorm(a, p + "attention.output.LayerNorm");
                double[] inter = linear(a, p + "intermediate.dense", true);
                for (int d = 0; d < inter.length; d++) {
                    inter[d] = act(c.path("hidden_act").asText("gelu"), inter[d]);
                }
                double[] y = linear(inter, p + "output.dense", true);
                add(y, a);
                next[i] = layerNorm(y, p + "output.LayerNorm");
            }
            if (l == 0 && c.path("conv_kernel_size").asInt(0) > 0) {
                next = conv(e, next, mask);
            }
            h = next;
        }
        return h;
    }

    private double[][] conv(double[][] e, double[][] residual, int[] mask) {
        int kernel = c.get("conv_kernel_size").asInt();
        int pad = (kernel - 1) / 2;
        HostTensor wt = w.get("encoder.conv.conv.weight");
        HostTensor bias = w.get("encoder.conv.conv.bias");
        int t = e.length;
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] y = new double[hidden];
            for (int o = 0; o < hidden; o++) {
                double sum = bias.data()[o];
                for (int kk = 0; kk < kernel; kk++) {
                    int src = i + kk - pad;
                    if (src < 0 || src >= t) {
                        continue;
                    }
                    for (int in = 0; in < hidden; in++) {
                        sum += wt.data()[(o * hidden + in) * kernel + kk] * e[src][in];
                    }
                }
                y[o] = act(c.path("conv_act").asText("tanh"), sum * mask[i]);
            }
            add(y, residual[i]);
            y = layerNorm(y, "encoder.conv.LayerNorm");
            scale(y, mask[i]);
            out[i] = y;
        }
        return out;
    }

    /** HF's make_log_bucket_position, with its fp32 arithmetic. */
    static int bucket(int rel, int bucketSize, int maxPosition) {
        if (bucketSize <= 0 || maxPosition <= 0) {
            return rel;
        }
        int mid = bucketSize / 2;
        int absPos = (rel < mid && rel > -mid) ? mid - 1 : Math.abs(rel);
        if (absPos <= mid) {
            return rel;
        }
        float ratio = (float) absPos / (float) mid;
        float logMax = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float logPos = (float) Math.ceil((float) Math.log(ratio) / logMax * (mid - 1)) + mid;
        return (int) (logPos * Integer.signum(rel));
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private static double act(String name, double x) {
        return switch (name) {
            case "gelu_new" -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case "relu" -> Math.max(0, x);
            case "tanh" -> Math.tanh(x);
            default -> throw new IllegalArgumentException("naive reference lacks activation " + name);
        };
    }

    private double[] rowOf(String name, long row, int width) {
        HostTensor t = w.get(name);
        double[] out = new double[width];
        for (int d = 0; d < width; d++) {
            out[d] = t.data()[(int) row * width + d];
        }
        return out;
    }

    private double[] linear(double[] x, String module, boolean bias) {
        HostTensor wt = w.get(module + ".weight");
        int out = (int) wt.shape()[0];
        int in = (int) wt.shape()[1];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias ? w.get(module + ".bias").data()[o] : 0;
            for (int i = 0; i < in; i++) {
                s += wt.data()[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private double[] layerNorm(double[] x, String module) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + eps) * w.get(module + ".weight").data()[i] + w.get(module + ".bias").data()[i];
        }
        return y;
    }

    private static double dot(double[] a, double[] b, int offset, int n) {
        double s = 0;
        for (int d = 0; d < n; d++) {
            s += a[offset + d] * b[offset + d];
        }
        return s;
    }

    private double dot(double[] a, double[] b, int offset) {
        return dot(a, b, offset, dh);
    }

    private static void add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    private static void scale(double[] a, double s) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= s;
        }
    }
}
