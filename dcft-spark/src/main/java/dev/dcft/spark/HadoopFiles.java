package dev.dcft.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small files on any Hadoop file system (file:, hdfs:, s3a:), written whole or not at all. */
final class HadoopFiles {
    private HadoopFiles() {
    }

    static Path child(String dir, String name) {
        return new Path(new Path(dir), name);
    }

    static boolean exists(Path p) throws IOException {
        return p.getFileSystem(new Configuration()).exists(p);
    }

    static String read(Path p) throws IOException {
        FileSystem fs = p.getFileSystem(new Configuration());
        try (FSDataInputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Writes {@code text} to a temporary name beside {@code p}, then renames it: a reader sees all of it or nothing. */
    static void writeAtomically(Path p, String text) throws IOException {
        FileSystem fs = p.getFileSystem(new Configuration());
        fs.mkdirs(p.getParent());
        Path tmp = new Path(p.getParent(), "." + p.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(p, false);
        if (!fs.rename(tmp, p)) {
            fs.delete(tmp, false);
            throw new IOException("could not rename " + tmp + " to " + p);
        }
    }
}
