package dev.dcft.testing;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.engine.Engines;
import dev.dcft.io.HfModelDirectory;
import dev.dcft.io.HostTensor;
import dev.dcft.model.deberta.DebertaV2Config;
import dev.dcft.model.deberta.DebertaV2Model;
import dev.dcft.model.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny random DeBERTa-v2 checkpoints in the three styles the definition tests cover, with MiniLM's tokenizer. */
public final class TinyDeberta {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyDeberta() {
    }

    private static ObjectNode base() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model_type", "deberta-v2");
        o.put("vocab_size", 30522);
        o.put("hidden_size", 16);
        o.put("num_hidden_layers", 2);
        o.put("num_attention_heads", 2);
        o.put("intermediate_size", 32);
        o.put("max_position_embeddings", 64);
        o.put("layer_norm_eps", 1e-7);
        o.put("pad_token_id", 0);
        return o;
    }

    /** v3 style: relative attention with log buckets, "p2c|c2p", shared attention key, no absolute positions, no token types. */
    public static ObjectNode v3() {
        ObjectNode o = base();
        o.put("hidden_act", "gelu_new");
        o.put("relative_attention", true);
        o.put("position_buckets", 8);
        o.put("max_relative_positions", -1);
        o.put("pos_att_type", "p2c|c2p");
        o.put("share_att_key", true);
        o.put("position_biased_input", false);
        o.put("norm_rel_ebd", "layer_norm");
        o.put("type_vocab_size", 0);
        return o;
    }

    /** v2 style: separate position projections, clamped (unbucketed) distances, absolute positions and token types. */
    public static ObjectNode v2() {
        ObjectNode o = base();
        o.put("hidden_act", "relu");
        o.put("relative_attention", true);
        o.put("max_relative_positions", 5);
        o.putArray("pos_att_type").add("c2p").add("p2c");
        o.put("share_att_key", false);
        o.put("position_biased_input", true);
        o.put("type_vocab_size", 2);
        return o;
    }

    /** The n-gram ConvLayer (kernel 3) and an embedding size smaller than the hidden size (embed_proj), c2p only. */
    public static ObjectNode conv() {
        ObjectNode o = v3();
        o.put("conv_kernel_size", 3);
        o.put("conv_act", "tanh");
        o.put("embedding_size", 8);
        o.put("pos_att_type", "c2p");
        return o;
    }

    /** Random weights for every parameter the config implies, under the base model's names. */
    public static Map<String, HostTensor> randomWeights(ObjectNode config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (NDManager m = Engines.newManager()) {
            DebertaV2Model model = new DebertaV2Model(m, DebertaV2Config.fromJson(config, "test"), false);
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                long[] shape = e.getValue().value().getShape().getShape();
                float[] data = new float[(int) HostTensor.numel(shape)];
                boolean lnWeight = e.getKey().endsWith("LayerNorm.weight");
                double scale = e.getKey().endsWith(".bias") || lnWeight ? 0.1 : 0.3;
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((lnWeight ? 1 : 0) + gaussian(rng) * scale);
                }
                out.put(e.getKey(), new HostTensor(shape, data));
            }
        }
        return out;
    }

    /** Writes config.json, model.safetensors (names under "deberta.", as task checkpoints have them) and MiniLM's tokenizer.json. */
    public static void write(Path dir, ObjectNode config, Map<String, HostTensor> weights) throws IOException {
        Map<String, HostTensor> prefixed = new LinkedHashMap<>();
        weights.forEach((k, v) -> prefixed.put("deberta." + k, v));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("tokenizer.json", TestModels.minilmTokenizerJson());
        HfModelDirectory.write(dir, config, prefixed, files);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
