package dev.dcft.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcft.engine.Engines;
import dev.dcft.io.HostTensor;
import dev.dcft.io.safetensors.SafetensorsReader;
import dev.dcft.model.ModuleWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tiny random Llama (grouped-query attention, llama3 rope scaling), Qwen2 (q/k/v biases, tied embeddings) and
 * Mistral (sliding window, linear rope) written by Hugging Face's own classes
 * ({@code scripts/fixtures/make_decoder_fixtures.py}): our logits at every real position of a right-padded and
 * a left-padded batch equal theirs within 1e-4.
 */
class LlamaFamilyLogitsTest {
    static final Path ROOT = Path.of("src/test/resources/fixtures/decoders");

    static LlamaModel load(NDManager m, String family) throws IOException {
        Path dir = ROOT.resolve(family);
        LlamaConfig c = LlamaConfig.fromJson(new ObjectMapper().readTree(dir.resolve("config.json").toFile()), dir.toString());
        LlamaModel model = new LlamaModel(m, c);
        Map<String, HostTensor> tensors = SafetensorsReader.read(dir.resolve("model.safetensors"));
        ModuleWeights.load(model, "", tensors, m, dir.toString());
        return model;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama, right_padded", "llama, left_padded", "qwen2, right_padded", "qwen2, left_padded", "mistral, right_padded",
        "mistral, left_padded"})
    void logitsEqualHuggingFaces(String family, String padding) throws IOException {
        JsonNode want = new ObjectMapper().readTree(ROOT.resolve("expected.json").toFile()).get("models").get(family).get(padding);
        long[][] ids = longs(want.get("input_ids"));
        long[][] mask = longs(want.get("attention_mask"));
        long[][] positions = longs(want.get("position_ids"));
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            LlamaModel model = load(m, family);
            float[] got = model.logits(m, ids, mask, positions).toFloatArray();
            int t = ids[0].length;
            int v = model.config().vocabSize();
            double worst = 0;
            for (int r = 0; r < ids.length; r++) {
                int k = 0;
                for (int j = 0; j < t; j++) {
                    if (mask[r][j] == 0) {
                        continue;
                    }
                    JsonNode row = want.get("logits").get(r).get(k++);
                    for (int i = 0; i < v; i++) {
                        worst = Math.max(worst, Math.abs(got[(r * t + j) * v + i] - row.get(i).asDouble()));
                    }
                }
                assertEquals(want.get("logits").get(r).size(), k);
            }
            System.out.printf("%s %s: max |ours - HF| = %.2e%n", family, padding, worst);
            assertTrue(worst < 1e-4, family + " " + padding + ": " + worst);
        }
    }

    /** The same weights in two safetensors shards with an index load as the single file does (LlamaModel.load). */
    @org.junit.jupiter.api.Test
    void shardedDirectoriesLoad(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path src = ROOT.resolve("llama");
        Map<String, HostTensor> all = SafetensorsReader.read(src.resolve("model.safetensors"));
        Path sharded = tmp.resolve("sharded");
        java.nio.file.Files.createDirectories(sharded);
        java.nio.file.Files.copy(src.resolve("config.json"), sharded.resolve("config.json"));
        Map<String, HostTensor> one = new java.util.LinkedHashMap<>();
        Map<String, HostTensor> two = new java.util.LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (Map.Entry<String, HostTensor> e : all.entrySet()) {
            String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i % 2 == 0 ? one : two).put(e.getKey(), e.getValue());
            index.append(i++ == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(shard).append('"');
        }
        dev.dcft.io.safetensors.SafetensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), one, Map.of());
        dev.dcft.io.safetensors.SafetensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), two, Map.of());
        java.nio.file.Files.writeString(sharded.resolve("model.safetensors.index.json"), index.append("}}").toString());
        long[][] ids = {{5, 17, 42, 8}};
        long[][] mask = {{1, 1, 1, 1}};
        long[][] pos = {{0, 1, 2, 3}};
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            float[] single = LlamaModel.load(m, src).logits(m, ids, mask, pos).toFloatArray();
            float[] fromShards = LlamaModel.load(m, sharded).logits(m, ids, mask, pos).toFloatArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(single, fromShards, 0f);
        }
    }

    /** The module tree against the float64 loops of {@link NaiveLlama} on each prompt alone (1e-4). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama", "qwen2", "mistral"})
    void logitsEqualTheNaiveDefinition(String family) throws IOException {
        JsonNode e = new ObjectMapper().readTree(ROOT.resolve("expected.json").toFile());
        Path dir = ROOT.resolve(family);
        LlamaConfig c = LlamaConfig.fromJson(new ObjectMapper().readTree(dir.resolve("config.json").toFile()), dir.toString());
        NaiveLlama naive = new NaiveLlama(c, SafetensorsReader.read(dir.resolve("model.safetensors")));
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            LlamaModel model = load(m, family);
            for (JsonNode prompt : e.get("prompts")) {
                long[] ids = new long[prompt.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = prompt.get(i).asLong();
                }
                double[][] want = naive.logits(ids);
                long[][] mask = {java.util.stream.LongStream.generate(() -> 1).limit(ids.length).toArray()};
                long[][] pos = {java.util.stream.LongStream.range(0, ids.length).toArray()};
                float[] got = model.logits(m, new long[][] {ids}, mask, pos).toFloatArray();
                int v = c.vocabSize();
                double worst = 0;
                for (int t = 0; t < ids.length; t++) {
                    for (int i = 0; i < v; i++) {
                        worst = Math.max(worst, Math.abs(got[t * v + i] - want[t][i]));
                    }
                }
                System.out.printf("%s: max |ours - naive| = %.2e%n", family, worst);
                assertTrue(worst < 1e-4, family + ": " + worst);
            }
        }
    }

    /** Greedy decoding by full recomputation (no cache) gives Hugging Face's generate(do_sample=False) ids. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama", "qwen2", "mistral"})
    void greedyContinuationsEqualHuggingFaces(String family) throws IOException {
        JsonNode e = new ObjectMapper().readTree(ROOT.resolve("expected.json").toFile());
        int steps = e.get("new_tokens").asInt();
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            LlamaModel model = load(m, family);
            for (int p = 0; p < e.get("prompts").size(); p++) {
                java.util.List<Long> seq = new java.util.ArrayList<>();
                e.get("prompts").get(p).forEach(n -> seq.add(n.asLong()));
                int prompt = seq.size();
                for (int s = 0; s < steps; s++) {
                    long[][] ids = {seq.stream().mapToLong(Long::longValue).toArray()};
                    long[][] mask = {java.util.stream.LongStream.generate(() -> 1).limit(seq.size()).toArray()};
                    long[][] pos = {java.util.stream.LongStream.range(0, seq.size()).toArray()};
                    try (NDManager step = m.newSubManager()) {
                        float[] last = model.logits(step, ids, mask, pos).get(0, seq.size() - 1).toFloatArray();
                        int best = 0;
                        for (int i = 1; i < last.length; i++) {
                            if (last[i] > last[best]) {
                                best = i;
                            }
                        }
                        seq.add((long) best);
                    }
                }
                java.util.List<Long> want = new java.util.ArrayList<>();
                e.get("models").get(family).get("greedy").get(p).forEach(n -> want.add(n.asLong()));
                assertEquals(want, seq.subList(prompt, seq.size()), family + " prompt " + p);
            }
        }
    }

    /**
     * The two prompts left-padded in one batch, decoded greedily with the key/value cache (prefill, then one token
     * per step): each row's new ids equal Hugging Face's, and every step's logits equal a full recomputation's.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama", "qwen2", "mistral"})
    void cachedBatchDecodingEqualsRecomputationAndHuggingFace(String family) throws IOException {
        JsonNode e = new ObjectMapper().readTree(ROOT.resolve("expected.json").toFile());
        JsonNode left = e.get("models").get(family).get("left_padded");
        long[][] ids = longs(left.get("input_ids"));
        long[][] mask = longs(left.get("attention_mask"));
        long[][] pos = longs(left.get("position_ids"));
        int steps = e.get("new_tokens").asInt();
        int b = ids.length;
        try (NDManager m = Engines.newManager()) {
            Engines.gradientsOff();
            LlamaModel model = load(m, family);
            LlamaModel.KvCache cache = new LlamaModel.KvCache(model);
            float[] logits = model.logits(m, ids, mask, pos, cache).toFloatArray();
            int v = model.config().vocabSize();
            java.util.List<java.util.List<Long>> out = new java.util.ArrayList<>();
            long[][] seq = ids;
            long[][] seqMask = mask;
            long[] next = new long[b];
            long[] nextPos = new long[b];
            int t = ids[0].length;
            for (int r = 0; r < b; r++) {
                out.add(new java.util.ArrayList<>());
                next[r] = argmax(logits, (r * t + t - 1) * v, v);
                nextPos[r] = pos[r][t - 1] + 1;
            }
            double worst = 0;
            for (int s = 0; s < steps; s++) {
                long[][] stepIds = new long[b][1];
                long[][] stepMask = new long[b][1];
                long[][] stepPos = new long[b][1];
                for (int r = 0; r < b; r++) {
                    out.get(r).add(next[r]);
                    stepIds[r][0] = next[r];
                    stepMask[r][0] = 1;
                    stepPos[r][0] = nextPos[r];
                }
                if (s == steps - 1) {
                    break;
                }
                float[] cached = model.logits(m, stepIds, stepMask, stepPos, cache).toFloatArray();
                // The same step recomputed from scratch over the whole sequence so far.
                seq = append(seq, stepIds);
                seqMask = append(seqMask, stepMask);
                long[][] fullPos = new long[b][];
                for (int r = 0; r < b; r++) {
                    fullPos[r] = new long[seq[r].length];
                    long k = 0;
                    for (int j = 0; j < seq[r].length; j++) {
                        fullPos[r][j] = seqMask[r][j] == 0 ? 0 : k++;
                    }
                }
                float[] full = model.logits(m, seq, seqMask, fullPos).toFloatArray();
                int tt = seq[0].length;
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < v; i++) {
                        worst = Math.max(worst, Math.abs(cached[r * v + i] - full[(r * tt + tt - 1) * v + i]));
                    }
                    next[r] = argmax(cached, r * v, v);
                    nextPos[r]++;
                }
            }
            assertTrue(worst < 1e-4, "cached vs recomputed logits " + worst); // float32 rounding of products of other shapes
            for (int r = 0; r < b; r++) {
                java.util.List<Long> want = new java.util.ArrayList<>();
                e.get("models").get(family).get("greedy").get(r).forEach(n -> want.add(n.asLong()));
                assertEquals(want, out.get(r), family + " row " + r);
            }
            assertEquals(t + steps - 1, cache.length());
        }
    }

    private static int argmax(float[] a, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[from + i] > a[from + best]) {
                best = i;
            }
        }
        return best;
    }

    private static long[][] append(long[][] a, long[][] b) {
        long[][] out = new long[a.length][];
        for (int r = 0; r < a.length; r++) {
            out[r] = java.util.Arrays.copyOf(a[r], a[r].length + b[r].length);
            System.arraycopy(b[r], 0, out[r], a[r].length, b[r].length);
        }
        return out;
    }

    static long[][] longs(JsonNode a) {
        long[][] out = new long[a.size()][];
        for (int i = 0; i < a.size(); i++) {
            out[i] = new long[a.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = a.get(i).get(j).asLong();
            }
        }
        return out;
    }
}
