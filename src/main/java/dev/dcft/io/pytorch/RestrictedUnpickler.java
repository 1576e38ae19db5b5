package dev.dcft.io.pytorch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle reader that can only build what a PyTorch state dict is made of. Every global the
 * pickle names is checked against an allowlist (ordered dicts, the tensor and parameter rebuild
 * functions, the storage types) the moment it is named, and anything else stops the read with
 * its name: the guarantee of {@code torch.load(weights_only=True)}. Nothing is ever executed:
 * the allowed globals are interpreted by this class, and object-building opcodes that would
 * instantiate arbitrary classes (INST, OBJ, NEWOBJ) are refused outright.
 */
public final class RestrictedUnpickler {
    /** Globals a state dict may name, as "module.name". */
    public static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    /** A refused or malformed pickle; the message is one line. */
    public static final class PickleException extends RuntimeException {
        PickleException(String message) {
            super(message);
        }
    }

    /** A named global, allowed by the time it exists. */
    public record Global(String name) {
    }

    /** A persistent reference to a storage: {@code ('storage', type, key, location, numel)}. */
    public record StorageRef(String type, String key, long numel) {
    }

    /** torch.save's persistent ids: {@code ('storage', storage type, key, location, numel)}. */
    public static final class StoragePids {
        private StoragePids() {
        }

        public static StorageRef parse(Object pid) {
            if (!(pid instanceof Tuple t) || t.items().size() < 5 || !"storage".equals(t.items().get(0))
                    || !(t.items().get(1) instanceof Global type) || !(t.items().get(2) instanceof String key)) {
                throw new PickleException("unsupported persistent id (not a torch storage reference)");
            }
            Object n = t.items().get(4);
            return new StorageRef(type.name(), key, n instanceof Number num ? num.longValue() : -1);
        }
    }

    /** A tensor as {@code _rebuild_tensor_v2} describes it: a view of a storage. */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final Function<Object, StorageRef> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] data, Function<Object, StorageRef> persistentLoad) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.persistentLoad = persistentLoad;
    }

    /** Reads one pickle; persistent ids are turned into storages by {@code persistentLoad}. */
    public static Object load(byte[] data, Function<Object, StorageRef> persistentLoad) {
        RestrictedUnpickler u = new RestrictedUnpickler(data, persistentLoad);
        try {
            return u.run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new PickleException("truncated or corrupt pickle");
        } catch (ClassCastException | ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            // An opcode given operands of the wrong kind (a number where a module name belongs, ...): fuzzing found these.
            throw new PickleException("corrupt pickle: an operand of the wrong kind near byte " + u.in.position() + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> {
                    return pop();
                }
                case '(' -> stack.add(MARK);
                case '}' -> stack.add(new LinkedHashMap<Object, Object>());
                case ']' -> stack.add(new ArrayList<Object>());
                case ')' -> stack.add(new Tuple(List.of()));
                case 't' -> stack.add(new Tuple(popMark()));
                case 'l' -> stack.add(new ArrayList<>(popMark()));
                case 'd' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                    stack.add(m);
                }
                case 0x85 -> stack.add(new Tuple(List.of(pop())));
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    stack.add(new Tuple(List.of(a, b)));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    stack.add(new Tuple(List.of(a, b, c)));
                }
                case 'N' -> stack.add(NONE);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'J' -> stack.add((long) in.getInt());
                case 'K' -> stack.add((long) (in.get() & 0xff));
                case 'M' -> stack.add((long) (in.getShort() & 0xffff));
                case 0x8a -> stack.add(long1(in.get() & 0xff));
                case 'G' -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));
                case 'X' -> stack.add(string(in.getInt()));
                case 0x8c -> stack.add(string(in.get() & 0xff));
                case 0x8d -> stack.add(string(length(in.getLong())));
                case 'U' -> stack.add(string(in.get() & 0xff));
                case 'T' -> stack.add(string(in.getInt()));
                case 'c' -> stack.add(global(line() + "." + line()));
                case 0x93 -> {
                    String name = (String) pop();
                    String module = (String) pop();
                    stack.add(global(module + "." + name));
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put((long) in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> stack.add(memoGet(in.get() & 0xff));
                case 'j' -> stack.add(memoGet(in.getInt() & 0xffffffffL));
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = dict(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> stack.add(peek());
                case 'Q' -> stack.add(persistentLoad.apply(pop()));
                case 'R' -> {
                    Object args = pop();
                    Object callable = pop();
                    stack.add(call(callable, args));
                }
                case 'b' -> pop(); // BUILD: a state dict's _metadata attribute, not needed
                case 'i', 'o', 0x81, 0x92 -> throw new PickleException("refuses to instantiate objects (opcode "
                        + opName(op) + "): a state dict needs none");
                default -> throw new PickleException("unsupported pickle opcode 0x" + Integer.toHexString(op)
                        + " at byte " + (in.position() - 1));
            }
        }
    }

    private static String opName(int op) {
        return switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            default -> "NEWOBJ_EX";
        };
    }

    private Global global(String name) {
        if (!ALLOWED.contains(name)) {
            throw new PickleException("refuses global '" + name + "': only what a state dict needs is allowed"
                    + " (the file may try to run code; never torch.load it without weights_only=True)");
        }
        return new Global(name);
    }

    private Object call(Object callable, Object args) {
        if (!(callable instanceof Global g)) {
            throw new PickleException("refuses to call a non-global object");
        }
        List<Object> a = args instanceof Tuple t ? t.items() : List.of();
        switch (g.name()) {
            case "collections.OrderedDict" -> {
                return new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s)) {
                    throw new PickleException("malformed _rebuild_tensor_v2 arguments");
                }
                return new TensorRef(s, ((Number) a.get(1)).longValue(), longs(a.get(2)), longs(a.get(3)));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef t)) {
                    throw new PickleException("malformed _rebuild_parameter arguments");
                }
                return t;
            }
            default -> throw new PickleException("refuses to call '" + g.name() + "'");
        }
    }

    private static long[] longs(Object o) {
        if (!(o instanceof Tuple t)) {
            throw new PickleException("expected a tuple of sizes or strides");
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) t.items().get(i)).longValue();
        }
        return out;
    }

    /** A pickled tuple. */
    public record Tuple(List<Object> items) {
    }

    /** Python's None. */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private Object long1(int n) {
        byte[] b = new byte[n];
        in.get(b);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        return n == 0 ? 0L : new BigInteger(be).longValue();
    }

    /** An 8-byte length as an int; one past the pickle's end is refused by the reader that uses it. */
    private static int length(long n) {
        return n < 0 || n > Integer.MAX_VALUE ? -1 : (int) n;
    }

    private String string(int n) {
        if (n < 0 || n > in.remaining()) {
            throw new PickleException("string of " + n + " bytes runs past the end of the pickle");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte c; (c = in.get()) != '\n';) {
            sb.append((char) (c & 0xff));
            if (sb.length() > 1000) {
                throw new PickleException("global name too long");
            }
        }
        return sb.toString();
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw new PickleException("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw new PickleException("pickle stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw new PickleException("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        int i = stack.size() - 1;
        while (i >= 0 && stack.get(i) != MARK) {
            i--;
        }
        if (i < 0) {
            throw new PickleException("pickle MARK missing");
        }
        List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
        stack.subList(i, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new PickleException("SETITEM on something that is not a dict");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new PickleException("APPEND on something that is not a list");
    }
}
