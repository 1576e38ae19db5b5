package dev.dcft.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import dev.dcft.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny random Qwen2 decoder directory written by the tests, with the chat fixture's tokenizer (a byte-level BPE of 320
 * tokens with ChatML's special tokens, Qwen2.5's chat template): weights N(0, std^2), norms 1, as Hugging Face
 * initialises a model before training.
 */
public final class TinyDecoder {
    public static final Path CHAT = Path.of("src/test/resources/fixtures/decoders/chat");

    private TinyDecoder() {
    }

    public static ObjectNode config(int hidden, int layers, int heads, int kvHeads, int ffn, int context) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2").put("vocab_size", 320).put("hidden_size", hidden).put("intermediate_size", ffn)
                .put("num_hidden_layers", layers).put("num_attention_heads", heads).put("num_key_value_heads", kvHeads)
                .put("max_position_embeddings", context).put("rms_norm_eps", 1e-6).put("tie_word_embeddings", true)
                .put("hidden_act", "silu").put("rope_theta", 10000.0).put("eos_token_id", 2).put("pad_token_id", 0);
        return c;
    }

    /**
     * {@code std} for the layers' weights and biases, {@code embedStd} for the (tied) embeddings: the latter sets how sharp
     * the next-token distribution can get (logit = normed hidden . embedding), so a model meant to learn a task needs it
     * near 1/sqrt(hidden) * a few, as trained models have it, rather than the initialiser's 0.02.
     */
    public static void write(Path dir, ObjectNode config, double std, double embedStd, long seed) throws IOException {
        Files.createDirectories(dir);
        int h = config.get("hidden_size").asInt();
        int heads = config.get("num_attention_heads").asInt();
        int kv = config.get("num_key_value_heads").asInt();
        int d = h / heads;
        int ffn = config.get("intermediate_size").asInt();
        int v = config.get("vocab_size").asInt();
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", normal(r, embedStd, v, h));
        for (int i = 0; i < config.get("num_hidden_layers").asInt(); i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "self_attn.q_proj.weight", normal(r, std, heads * d, h));
            t.put(p + "self_attn.q_proj.bias", normal(r, std, heads * d));
            t.put(p + "self_attn.k_proj.weight", normal(r, std, kv * d, h));
            t.put(p + "self_attn.k_proj.bias", normal(r, std, kv * d));
            t.put(p + "self_attn.v_proj.weight", normal(r, std, kv * d, h));
            t.put(p + "self_attn.v_proj.bias", normal(r, std, kv * d));
            t.put(p + "self_attn.o_proj.weight", normal(r, std, h, heads * d));
            t.put(p + "mlp.gate_proj.weight", normal(r, std, ffn, h));
            t.put(p + "mlp.up_proj.weight", normal(r, std, ffn, h));
            t.put(p + "mlp.down_proj.weight", normal(r, std, h, ffn));
            t.put(p + "input_layernorm.weight", ones(h));
            t.put(p + "post_attention_layernorm.weight", ones(h));
        }
        t.put("model.norm.weight", ones(h));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json"}) {
            Files.copy(CHAT.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static HostTensor normal(SplittableRandom r, double std, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller from the seeded stream.
            double u = 1 - r.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return new HostTensor(s, a);
    }

    private static HostTensor ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return new HostTensor(new long[] {n}, a);
    }
}
