package dev.dcft.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.io.HostTensor;
import java.util.Map;
import java.util.Set;

/**
 * One encoder family: how it reads {@code config.json}, which checkpoint names are its own, and
 * how its module tree is built. Independent of the file format the weights came in.
 */
public interface Architecture {
    /** The {@code model_type} values this family covers. */
    Set<String> modelTypes();

    EncoderConfig config(ObjectNode json, String source);

    /**
     * The checkpoint's tensors under the base model's own paths: a task model's prefix
     * ({@code bert.}, {@code deberta.}) dropped, legacy names renamed; other tensors (heads) kept as they are.
     */
    Map<String, HostTensor> normalise(Map<String, HostTensor> raw);

    /** An encoder with zeroed parameters, shaped by {@code config} and the tensors present (optional parts such as a pooler). */
    Encoder create(NDManager manager, EncoderConfig config, Set<String> tensorNames);
}
