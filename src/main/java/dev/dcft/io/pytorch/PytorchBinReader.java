package dev.dcft.io.pytorch;

import dev.dcft.io.FloatCodec;
import dev.dcft.io.HostTensor;
import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A {@code pytorch_model.bin} as {@code torch.save} writes it since 1.6: a zip with
 * {@code <archive>/data.pkl} (the state dict, read by {@link RestrictedUnpickler}) and one
 * {@code <archive>/data/<key>} entry per storage. Tensors are views of storages (offset, sizes,
 * strides), each checked to lie inside its storage before it is read. Floating-point tensors
 * become fp32; integer buffers (position ids) are skipped.
 */
public final class PytorchBinReader {
    private PytorchBinReader() {
    }

    public static Map<String, HostTensor> read(Path file) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 4) {
                throw new ModelFormatException(file, "file is too short to be a PyTorch checkpoint");
            }
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage());
        }
        if (head[0] != 'P' || head[1] != 'K') {
            if ((head[0] & 0xff) == 0x80) {
                throw new ModelFormatException(file, "legacy PyTorch serialization (a raw pickle, torch.save before 1.6)"
                        + " is not read: re-save it with a current torch (torch.save(model.state_dict(), path)) or as safetensors");
            }
            throw new ModelFormatException(file, "not a PyTorch zip checkpoint");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new ModelFormatException(file, "no data.pkl inside: not a torch.save archive"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null && new String(zip.getInputStream(order).readAllBytes()).trim().equals("big")) {
                throw new ModelFormatException(file, "big-endian checkpoints are not supported");
            }
            byte[] pickle = zip.getInputStream(pkl).readAllBytes();
            Object root;
            try {
                root = RestrictedUnpickler.load(pickle, RestrictedUnpickler.StoragePids::parse);
            } catch (RestrictedUnpickler.PickleException e) {
                throw new ModelFormatException(file, e.getMessage());
            }
            if (!(root instanceof Map<?, ?> dict)) {
                throw new ModelFormatException(file, "the pickle holds no state dict (a dict of tensors)");
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof RestrictedUnpickler.TensorRef t)) {
                    continue;
                }
                int width = width(t.storage().type());
                if (width == 0) {
                    continue;
                }
                ByteBuffer data = storages.get(t.storage().key());
                if (data == null) {
                    ZipEntry entry = zip.getEntry(prefix + "data/" + t.storage().key());
                    if (entry == null) {
                        throw new ModelFormatException(file, "tensor '" + name + "' refers to storage " + t.storage().key()
                                + ", which is not in the archive (truncated file?)");
                    }
                    data = ByteBuffer.wrap(zip.getInputStream(entry).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                    storages.put(t.storage().key(), data);
                }
                out.put(name, tensor(name, t, data, width, file));
            }
            return out;
        } catch (java.util.zip.ZipException e) {
            throw new ModelFormatException(file, "corrupt or truncated zip archive: " + e.getMessage());
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage());
        }
    }

    private static int width(String storageType) {
        return switch (storageType) {
            case "torch.FloatStorage" -> 4;
            case "torch.DoubleStorage" -> 8;
            case "torch.HalfStorage", "torch.BFloat16Storage" -> 2;
            default -> 0;
        };
    }

    private static HostTensor tensor(String name, RestrictedUnpickler.TensorRef t, ByteBuffer data, int width, Path file) {
        long[] size = t.size();
        long[] stride = t.stride();
        if (size.length != stride.length) {
            throw new ModelFormatException(file, "tensor '" + name + "' has " + size.length + " sizes but " + stride.length + " strides");
        }
        long numel = HostTensor.numel(size);
        long last = t.offset();
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || stride[d] < 0) {
                throw new ModelFormatException(file, "tensor '" + name + "' has a negative size or stride");
            }
            last += (size[d] - 1) * stride[d];
        }
        long available = data.capacity() / width;
        if (numel > 0 && (t.offset() < 0 || last >= available)) {
            throw new ModelFormatException(file, "tensor '" + name + "' reads element " + last + " of a storage holding "
                    + available + " (storage shorter than its tensor: truncated or corrupt file)");
        }
        if (numel > Integer.MAX_VALUE) {
            throw new ModelFormatException(file, "tensor '" + name + "' is too large");
        }
        float[] out = new float[(int) numel];
        int[] idx = new int[size.length];
        for (int i = 0; i < out.length; i++) {
            long at = t.offset();
            for (int d = 0; d < size.length; d++) {
                at += idx[d] * stride[d];
            }
            int b = (int) (at * width);
            out[i] = switch (t.storage().type()) {
                case "torch.FloatStorage" -> data.getFloat(b);
                case "torch.DoubleStorage" -> (float) data.getDouble(b);
                case "torch.HalfStorage" -> FloatCodec.fp16ToFloat(data.getShort(b));
                default -> FloatCodec.bf16ToFloat(data.getShort(b));
            };
            for (int d = size.length - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new HostTensor(size, out);
    }
}
