package dev.dcft.adapters;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The fields of {@code adapter_config.json} that do not depend on the method, handed to
 * {@link MethodConfig#writePeftConfig} so that each method writes them where PEFT's own files have them.
 */
public record PeftCommonFields(String baseModel, List<String> modulesToSave, String taskType) {
    public void putBaseModel(ObjectNode o) {
        o.put("base_model_name_or_path", baseModel);
    }

    public void putModulesToSave(ObjectNode o) {
        if (modulesToSave == null || modulesToSave.isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            modulesToSave.forEach(a::add);
            o.set("modules_to_save", a);
        }
    }

    public void putTaskType(ObjectNode o) {
        if (taskType == null) {
            o.putNull("task_type");
        } else {
            o.put("task_type", taskType);
        }
    }
}
