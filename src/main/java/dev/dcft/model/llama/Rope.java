package dev.dcft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dcft.io.ModelFormatException;

/**
 * Rotary position embeddings as Hugging Face's decoders apply them ({@code rotate_half}: the first and second
 * halves of each head's rotated dimensions pair up), with the inverse frequencies of rope type {@code default},
 * {@code linear} (positions divided by the factor), {@code dynamic} (NTK: the base grows with the sequence past
 * the trained length) and {@code llama3} (long wavelengths divided by the factor, short ones kept, a smooth
 * blend between); {@code partial_rotary_factor} rotates only the first part of each head.
 */
public record Rope(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions,
        int rotaryDim, int maxPositions) {

    static Rope fromConfig(JsonNode c, int headDim, String source) {
        JsonNode p = c.path("rope_parameters");
        if (!p.isObject()) {
            p = c.path("rope_scaling"); // transformers 4's form: theta beside it
        }
        String type = p.isObject() ? p.path("rope_type").asText(p.path("type").asText("default")) : "default";
        double theta = p.path("rope_theta").asDouble(c.path("rope_theta").asDouble(10000));
        double partial = p.path("partial_rotary_factor").asDouble(c.path("partial_rotary_factor").asDouble(1.0));
        int rotary = (int) (headDim * partial);
        if (rotary % 2 != 0 || rotary < 2) {
            throw new ModelFormatException(source + ": partial_rotary_factor " + partial + " gives an odd rotary size " + rotary);
        }
        int maxPos = c.path("max_position_embeddings").asInt(2048);
        return switch (type) {
            case "default", "linear", "dynamic", "llama3" -> new Rope(type, theta, p.path("factor").asDouble(1.0),
                    p.path("low_freq_factor").asDouble(1.0), p.path("high_freq_factor").asDouble(4.0),
                    p.path("original_max_position_embeddings").asInt(maxPos), rotary, maxPos);
            default -> throw new ModelFormatException(source + ": rope type '" + type
                    + "' is not supported (default, linear, dynamic, llama3)");
        };
    }

    /** Inverse frequencies {@code [rotaryDim / 2]} for a sequence whose largest position is {@code maxPosition}. */
    double[] inverseFrequencies(int maxPosition) {
        int half = rotaryDim / 2;
        double base = theta;
        if (type.equals("dynamic") && maxPosition + 1 > maxPositions) {
            // NTK-aware scaling: the base grows so that the longest wavelength covers the longer sequence.
            double len = maxPosition + 1;
            base = theta * Math.pow(factor * len / maxPositions - (factor - 1), rotaryDim / (rotaryDim - 2.0));
        }
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(base, (2.0 * i) / rotaryDim);
        }
        if (type.equals("linear")) {
            for (int i = 0; i < half; i++) {
                inv[i] /= factor;
            }
        } else if (type.equals("llama3")) {
            double lowWavelen = originalMaxPositions / lowFreqFactor;
            double highWavelen = originalMaxPositions / highFreqFactor;
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen) {
                    inv[i] = inv[i] / factor;
                } else if (wavelen >= highWavelen) {
                    double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** cos and sin {@code [B, 1, T, rotaryDim]} for integer positions {@code [B][T]}, halves repeated as HF's emb = cat(freqs, freqs). */
    NDArray[] cosSin(NDManager scope, long[][] positions) {
        int max = 0;
        for (long[] row : positions) {
            for (long p : row) {
                max = (int) Math.max(max, p);
            }
        }
        double[] inv = inverseFrequencies(max);
        int half = inv.length;
        int b = positions.length;
        int t = positions[0].length;
        float[] cos = new float[b * t * rotaryDim];
        float[] sin = new float[b * t * rotaryDim];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int o = (i * t + j) * rotaryDim;
                for (int k = 0; k < half; k++) {
                    // float32 as HF computes it: (inv_freq float32) x (position float32), then cos/sin of that float32.
                    float angle = (float) inv[k] * (float) positions[i][j];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[o + k] = c;
                    cos[o + half + k] = c;
                    sin[o + k] = s;
                    sin[o + half + k] = s;
                }
            }
        }
        return new NDArray[] {scope.create(cos, new Shape(b, 1, t, rotaryDim)), scope.create(sin, new Shape(b, 1, t, rotaryDim))};
    }
}
