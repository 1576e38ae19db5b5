package dev.dcft.io.tf;

import dev.dcft.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Google's BERT variable names to Hugging Face's: {@code [module/]bert/encoder/layer_3/attention/self/query/kernel}
 * becomes {@code encoder.layer.3.attention.self.query.weight}, transposed from TF's {@code [in, out]}
 * to {@code [out, in]}; LayerNorm {@code gamma/beta} become {@code weight/bias}; the MLM head's
 * {@code cls/predictions/output_bias} becomes {@code cls.predictions.bias}. Optimizer slots
 * ({@code adam_m}, {@code adam_v}) are dropped.
 */
public final class TfBertNames {
    private TfBertNames() {
    }

    public static Map<String, HostTensor> toHf(Map<String, HostTensor> tf) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : tf.entrySet()) {
            String name = e.getKey();
            if (name.endsWith("/adam_m") || name.endsWith("/adam_v") || name.contains("global_step")) {
                continue;
            }
            if (name.startsWith("module/")) {
                name = name.substring("module/".length());
            }
            if (name.startsWith("bert/")) {
                name = name.substring("bert/".length());
            }
            String[] parts = name.split("/");
            StringBuilder path = new StringBuilder();
            HostTensor value = e.getValue();
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                boolean last = i == parts.length - 1;
                String mapped = p;
                if (p.startsWith("layer_") && p.substring(6).chars().allMatch(Character::isDigit) && !p.equals("layer_")) {
                    mapped = "layer." + p.substring(6);
                } else if (last) {
                    switch (p) {
                        case "kernel" -> {
                            mapped = "weight";
                            value = value.rank() == 2 ? value.transpose2d() : value;
                        }
                        case "gamma", "output_weights" -> mapped = "weight";
                        case "beta", "output_bias", "bias" -> mapped = "bias";
                        case "weight" -> mapped = "weight";
                        default -> mapped = p + ".weight";
                    }
                }
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(mapped);
            }
            out.put(path.toString(), value);
        }
        return out;
    }
}
