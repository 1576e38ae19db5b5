package dev.dcft.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Directories named by Hadoop URIs (hdfs:, s3a:, file:) as local paths the core library reads: a plain or file: path is
 * used where it is; any other scheme is copied once per JVM into a temporary directory (an executor then reads its adapter
 * from local disk however many tasks use it).
 */
final class LocalCopies {
    private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();

    private LocalCopies() {
    }

    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):");

    /** Whether {@code name} is a URI with a scheme other than file: (not an embedded model's name, not C:\ on Windows). */
    static boolean isRemote(String name) {
        java.util.regex.Matcher m = SCHEME.matcher(name);
        return m.lookingAt() && m.group(1).length() > 1 && !m.group(1).equalsIgnoreCase("file");
    }

    /** A local path for {@code name}: itself, the path of a file: URI, or a local copy of a remote directory. */
    static Path local(String name) {
        if (name.startsWith("file:")) {
            return Path.of(URI.create(name));
        }
        if (!isRemote(name)) {
            return Path.of(name);
        }
        return COPIES.computeIfAbsent(name, LocalCopies::copy);
    }

    private static Path copy(String uri) {
        try {
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = src.getFileSystem(new Configuration());
            Path dir = Files.createTempDirectory("dcft-copy-");
            copyTree(fs, src, dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + uri + " to this machine: " + e.getMessage(), e);
        }
    }

    private static void copyTree(FileSystem fs, org.apache.hadoop.fs.Path src, Path dst) throws IOException {
        for (FileStatus s : fs.listStatus(src)) {
            Path target = dst.resolve(s.getPath().getName());
            if (s.isDirectory()) {
                Files.createDirectories(target);
                copyTree(fs, s.getPath(), target);
            } else {
                fs.copyToLocalFile(false, s.getPath(), new org.apache.hadoop.fs.Path(target.toUri()), true);
            }
        }
    }
}
