package dev.dcft.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What a checkpoint format yields, whatever the format: the model's {@code config.json} and its
 * tensors under the names the checkpoint gives them (Hugging Face names; readers of formats with
 * other conventions, such as TensorFlow's, translate to them). Architectures take it from here.
 * {@code configSource} and {@code source} name the config and the weights in error messages.
 */
public record Checkpoint(ObjectNode config, String configSource, Map<String, HostTensor> tensors, String source) {
}
