package dev.dcft.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's chat template (tokenizer_config.json's {@code chat_template}, or transformers 5's chat_template.jinja)
 * rendered as Hugging Face's {@code apply_chat_template(tokenize=False)} renders it: Jinja with
 * {@code trim_blocks} and {@code lstrip_blocks}, the variables {@code messages}, {@code add_generation_prompt},
 * {@code bos_token} and {@code eos_token}, and the helpers templates call ({@code raise_exception},
 * {@code strftime_now}, a {@code tojson} with Python's separators). Tested against Hugging Face's renderings of the
 * Llama 3, Qwen2.5 and SmolLM2 templates (ChatTemplateTest).
 */
public final class ChatTemplate {
    /** A chat message: role and text content. */
    public record Message(String role, String content) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role);
            m.put("content", content);
            return m;
        }
    }

    /** What the template itself reports (raise_exception), or a syntax error in it. */
    public static final class TemplateException extends IllegalArgumentException {
        TemplateException(String message) {
            super(message);
        }
    }

    private final String template;
    private final String source;
    private final Jinjava jinja;

    public ChatTemplate(String template, String source) {
        this.template = template;
        this.source = source;
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).withFailOnUnknownTokens(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true).withKeepNullableLoopValues(true).withUseTrimmingForNotesAndExpressions(true).build())
                .build();
        jinja = new Jinjava(config);
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException",
                String.class));
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow",
                String.class));
        jinja.getGlobalContext().registerFilter(new PythonJson());
    }

    public String source() {
        return source;
    }

    /** The conversation as the model saw such conversations in training. */
    public String render(List<Message> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
        List<Map<String, Object>> ms = new ArrayList<>();
        for (Message m : messages) {
            ms.add(m.asMap());
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", ms);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken == null ? "" : bosToken);
        vars.put("eos_token", eosToken == null ? "" : eosToken);
        RAISED.remove();
        RenderResult r = jinja.renderForResult(template, vars);
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new TemplateException(source + ": the chat template refused the conversation: " + raised.replace('\n', ' '));
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String m = e.getMessage() == null ? "" : e.getMessage();
                throw new TemplateException(source + ": chat template error: " + m.replace('\n', ' '));
            }
        }
        return r.getOutput();
    }

    /** What raise_exception was called with during this thread's render: Jinjava wraps the exception itself. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /** Jinja's {@code raise_exception(message)}, as Hugging Face's environment defines it. */
    public static String raiseException(String message) {
        if (RAISED.get() == null) {
            RAISED.set(message);
        }
        throw new TemplateException(message);
    }

    /** {@code strftime_now(format)}: the local time in a strftime format (the common directives). */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'Y' -> "yyyy";
                case 'm' -> "MM";
                case 'd' -> "dd";
                case 'H' -> "HH";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'y' -> "yy";
                default -> null;
            };
            if (pattern == null) {
                out.append(d == '%' ? "%" : "%" + d);
            } else {
                out.append(now.format(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH)));
            }
        }
        return out.toString();
    }

    /** {@code tojson} as Python's {@code json.dumps(x, ensure_ascii=False)} writes it: {@code ", "} and {@code ": "}. */
    static final class PythonJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            StringBuilder sb = new StringBuilder();
            write(sb, var);
            return sb.toString();
        }

        static void write(StringBuilder sb, Object v) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Map<?, ?> m) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ");
                    first = false;
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue());
                }
                sb.append('}');
            } else if (v instanceof Iterable<?> it) {
                sb.append('[');
                boolean first = true;
                for (Object o : it) {
                    sb.append(first ? "" : ", ");
                    first = false;
                    write(sb, o);
                }
                sb.append(']');
            } else if (v instanceof Boolean b) {
                sb.append(b ? "true" : "false");
            } else if (v instanceof Number n) {
                sb.append(n);
            } else {
                string(sb, v.toString());
            }
        }

        private static void string(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
