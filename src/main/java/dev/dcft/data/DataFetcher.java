package dev.dcft.data;

import dev.dcft.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * {@code dcft data fetch}: downloads the public GLUE archives (the ones download_glue_data.py
 * uses) into {@code <cache>/glue/<Task>/}, checks SHA-256 where it is known, and rebuilds MRPC's
 * train/dev split from the raw Microsoft files as GLUE does. The task folder appears complete or
 * not at all. {@code DCFT_GLUE_MIRROR} (or the {@code dcft.glue.mirror} property) replaces the
 * download host, keeping the paths, for mirrors.
 */
public final class DataFetcher {
    private static final String GLUE = "https://dl.fbaipublicfiles.com/glue/data/";
    private static final String SENTEVAL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/";
    private static final String MRPC_DEV_IDS = "https://raw.githubusercontent.com/MegEngine/Models/master/official/nlp/bert/glue_data/MRPC/dev_ids.tsv";

    /** SHA-256 of files whose published or verified content is known (../shared/data/MANIFEST.md). */
    static final Map<String, String> SHA256 = Map.ofEntries(
            Map.entry("SST-2/train.tsv", "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1"),
            Map.entry("SST-2/dev.tsv", "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0"),
            Map.entry("CoLA/train.tsv", "cb368ebeb9f27d7ad03720d27ddc95687a311bdb100781a2fe59a5f5b1bc0624"),
            Map.entry("CoLA/dev.tsv", "8c013e21dc39957cac37378d87bebe225b694a0d5fe13eded66c2856628833fd"),
            Map.entry("MRPC/train.tsv", "69abcedee3cf738c6ce58d772e43e1b7cdf5b4edee4aceda459c0d9f4e5599f3"),
            Map.entry("MRPC/dev.tsv", "9e8f284788040f7c9ecde2e1b3c07237c756f926bd9ef8548ef5d34b56f69f17"),
            Map.entry("MRPC/msr_paraphrase_train.txt", "60a9b09084528f0673eedee2b69cb941920f0b8cd0eeccefc464a98768457f89"),
            Map.entry("MRPC/msr_paraphrase_test.txt", "a04e271090879aaba6423d65b94950c089298587d9c084bf9cd7439bd785f784"),
            Map.entry("MRPC/dev_ids.tsv", "971d7767d81b997fd9060ade0ec23c4fc31cbb226a55d1bd4a1bac474eb81dc7"),
            Map.entry("RTE/train.tsv", "41e3a9b063433392343fad9e962cf2f58b681c78d8f71592f4186f0837246c5c"),
            Map.entry("RTE/dev.tsv", "80230dfa1347282e7b532b06a1004a76a710087541189bf874223ddf0e3819fb"),
            Map.entry("STS-B/train.tsv", "41c4d978b6162abdcada7e49a982211954cca5459c228db478af333124b257a2"),
            Map.entry("STS-B/dev.tsv", "fe7dc0632a5033562f3cadff991f6e8d9b9b6311861660e78c3c82eb7db67f59"),
            Map.entry("QNLI/dev.tsv", "ac19409dcb04631eaaa094bdebdcf621086bc352503dfb6a1a648b614986f4fd"),
            Map.entry("WNLI/train.tsv", "9a88e9d54b6861cc796a088e9acf4f5f65064a9ef65ae6fa7a688b28391e5c9a"),
            Map.entry("WNLI/dev.tsv", "cba00490596dd14be8cf53b4f53bb744abe3a7b89f81ab210528d80225338ed5"));

    private final Path cache;
    private final HttpClient http;

    public DataFetcher(Path cache) {
        this.cache = cache;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** Downloads the task unless its files are already there; returns its folder. */
    public Path fetch(GlueTask task) throws IOException {
        Path target = cache.resolve("glue").resolve(task.dirName);
        if (Files.exists(target.resolve("train.tsv")) && task.devFiles.stream().allMatch(f -> Files.exists(target.resolve(f)))) {
            return target;
        }
        AtomicFiles.replaceDirectory(target, dir -> {
            if (task == GlueTask.MRPC) {
                fetchMrpc(dir);
            } else {
                unzipTask(download(url(GLUE + archive(task)), task), dir, task);
            }
            for (String f : task.devFiles) {
                if (!Files.exists(dir.resolve(f))) {
                    throw new IOException("the archive has no " + task.dirName + "/" + f);
                }
            }
        });
        return target;
    }

    private static String archive(GlueTask task) {
        return switch (task) {
            case QQP -> "QQP-clean.zip";
            case QNLI -> "QNLIv2.zip";
            default -> task.dirName + ".zip";
        };
    }

    private static String url(String url) {
        String mirror = System.getProperty("dcft.glue.mirror", System.getenv("DCFT_GLUE_MIRROR"));
        if (mirror == null || mirror.isBlank()) {
            return url;
        }
        String path = URI.create(url).getPath();
        return mirror.replaceAll("/+$", "") + path;
    }

    private byte[] download(String url, GlueTask task) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode());
            }
            return r.body();
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("cannot download " + url + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "). Without network, put " + String.join(" and ", expected(task)) + " there by hand, or pass --data DIR");
        }
    }

    private List<String> expected(GlueTask task) {
        Path dir = cache.resolve("glue").resolve(task.dirName);
        List<String> files = new java.util.ArrayList<>();
        files.add(dir.resolve("train.tsv").toString());
        task.devFiles.forEach(f -> files.add(dir.resolve(f).toString()));
        return files;
    }

    private void unzipTask(byte[] zip, Path dir, GlueTask task) throws IOException {
        Set<String> written = new HashSet<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                String name = e.getName();
                int slash = name.indexOf('/');
                if (e.isDirectory() || slash < 0) {
                    continue;
                }
                String rel = name.substring(slash + 1);
                Path out = dir.resolve(rel).normalize();
                if (!out.startsWith(dir) || rel.isEmpty()) {
                    continue;
                }
                Files.createDirectories(out.getParent());
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                verify(out, task.dirName + "/" + rel);
                written.add(rel);
            }
        }
        if (!written.contains("train.tsv")) {
            throw new IOException("the downloaded archive for " + task.dirName + " has no train.tsv");
        }
    }

    /** GLUE's MRPC split: raw train rows whose (id1, id2) is in dev_ids go to dev, the rest to train. */
    private void fetchMrpc(Path dir) throws IOException {
        Path raw = dir.resolve("msr_paraphrase_train.txt");
        Files.write(raw, download(url(SENTEVAL + "msr_paraphrase_train.txt"), GlueTask.MRPC));
        verify(raw, "MRPC/msr_paraphrase_train.txt");
        Path ids = dir.resolve("dev_ids.tsv");
        Files.write(ids, download(url(MRPC_DEV_IDS), GlueTask.MRPC));
        verify(ids, "MRPC/dev_ids.tsv");
        writeMrpcSplit(raw, ids, dir);
    }

    static void writeMrpcSplit(Path raw, Path devIds, Path dir) throws IOException {
        Set<String> dev = new HashSet<>();
        for (String line : Files.readAllLines(devIds, StandardCharsets.UTF_8)) {
            String[] p = line.strip().split("\t");
            if (p.length == 2) {
                dev.add(p[0] + "\t" + p[1]);
            }
        }
        // The header is copied with its own line ending; rows are stripped and end in \n, as GLUE's script does.
        List<String> lines = List.of(Files.readString(raw, StandardCharsets.UTF_8).split("\n", -1));
        StringBuilder train = new StringBuilder(lines.get(0)).append('\n');
        StringBuilder devOut = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] p = line.strip().split("\t");
            if (p.length < 5) {
                continue;
            }
            String row = String.join("\t", p[0], p[1], p[2], p[3], p[4]) + "\n";
            (dev.contains(p[1] + "\t" + p[2]) ? devOut : train).append(row);
        }
        Files.writeString(dir.resolve("train.tsv"), train.toString());
        Files.writeString(dir.resolve("dev.tsv"), devOut.toString());
    }

    private static void verify(Path file, String key) throws IOException {
        String want = SHA256.get(key);
        if (want == null) {
            return;
        }
        String got = sha256(file);
        if (!got.equals(want)) {
            throw new IOException(key + " has SHA-256 " + got + ", expected " + want + " (corrupt download?)");
        }
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
