package dev.dcft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcft.adapters.AdapterMethods;
import dev.dcft.adapters.AdapterSpec;
import dev.dcft.adapters.MethodConfig;
import dev.dcft.adapters.MethodOptions;
import dev.dcft.adapters.ParameterBudget;
import dev.dcft.adapters.TargetModules;
import dev.dcft.model.AdaptableLinear;
import dev.dcft.model.Architectures;
import dev.dcft.model.ModelLoader;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "params", description = "Trainable adapter parameters computed from the configuration alone (no weights read).")
final class ParamsCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL,
            description = "Embedded model name, model directory, or config.json. Default: ${DEFAULT-VALUE}.")
    String model;

    @Mixin
    AdapterOptions adapter = new AdapterOptions();

    @Option(names = "--json", description = "Print {\"method\", \"trainable\", \"per_module\"} as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<AdaptableLinear> shapes = Architectures.linearsOf(model);
        TargetModules targets = adapter.targetModules(Architectures.ofModel(model).targetModules());
        if (AdapterSpec.baseline(adapter.method) != null) {
            throw new IllegalArgumentException("params counts adapter methods (" + String.join(", ", AdapterMethods.names())
                    + "); head and full train the head or every weight: see 'dcft info'");
        }
        MethodOptions given = MethodOptionsCli.given(spec);
        MethodConfig config = AdapterMethods.forName(adapter.method, given).configure(given, targets);
        ParameterBudget.Count count = ParameterBudget.of(shapes, config);
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("method", config.method().name());
            o.setAll(config.options().json());
            o.put("trainable", count.trainable());
            o.put("adapted_matrices", count.adaptedMatrices());
            ObjectNode per = o.putObject("per_module");
            count.perModule().forEach(per::put);
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            out.printf("%s on %s: %,d trainable adapter parameters in %d matrices%n", config.describe(), model, count.trainable(),
                    count.adaptedMatrices());
            count.perModule().forEach((k, v) -> out.printf("  %-36s %,12d%n", k, v));
        }
        return 0;
    }
}
