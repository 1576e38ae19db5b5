package dev.dcft.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json of the decoder families: both rope layouts read alike; what we cannot run is one line naming it. */
class LlamaConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode base() throws Exception {
        return (ObjectNode) JSON.readTree("{\"model_type\": \"llama\", \"vocab_size\": 96, \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"max_position_embeddings\": 64}");
    }

    @Test
    void transformers4RopeScalingAndTransformers5RopeParametersReadAlike() throws Exception {
        ObjectNode v4 = base();
        v4.put("rope_theta", 500000.0);
        v4.set("rope_scaling", JSON.readTree("{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}"));
        ObjectNode v5 = base();
        v5.set("rope_parameters", JSON.readTree("{\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, \"factor\": 8.0,"
                + " \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}"));
        assertEquals(LlamaConfig.fromJson(v4, "v4").rope(), LlamaConfig.fromJson(v5, "v5").rope());
        ObjectNode old = base();
        old.set("rope_scaling", JSON.readTree("{\"type\": \"linear\", \"factor\": 2.0}"));
        assertEquals("linear", LlamaConfig.fromJson(old, "old").rope().type());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "model_type|\"gpt2\"|model_type 'gpt2' is not a supported decoder",
        "rope_scaling|{\"rope_type\": \"yarn\", \"factor\": 4.0}|rope type 'yarn' is not supported",
        "num_key_value_heads|3|num_key_value_heads 3 must divide num_attention_heads 4",
        "hidden_act|\"gelu\"|hidden_act 'gelu' is not supported",
        "hidden_size|0|missing or non-positive 'hidden_size'"})
    void whatWeCannotRunIsOneLineNamingIt(String field, String value, String message) throws Exception {
        ObjectNode c = base();
        c.set(field, JSON.readTree(value));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaConfig.fromJson(c, "dir/config.json"));
        assertTrue(e.getMessage().startsWith("dir/config.json: ") && e.getMessage().contains(message) && !e.getMessage().contains("\n"),
                e.getMessage());
    }
}
