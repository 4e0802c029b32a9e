package dev.txlease.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM on this JVM's class path, for tests that make a process die (for
 * example halt between prepare and commit) and recover in this one. Stateless, thread-safe.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * Runs {@code mainClass} with {@code args}, its output in {@code log}, and asserts it exits with
     * {@code expectedStatus} within {@code timeoutSeconds}.
     *
     * @return the child's output
     */
    public static String run(Class<?> mainClass, List<String> args, Path log, int expectedStatus, long timeoutSeconds)
            throws IOException, InterruptedException {
        return run(System.getProperty("java.class.path"), mainClass, args, log, expectedStatus, timeoutSeconds);
    }

    /** As {@link #run(Class, List, Path, int, long)}, on the class path {@code classPath}. */
    public static String run(
            String classPath, Class<?> mainClass, List<String> args, Path log, int expectedStatus, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(classPath);
        String logging = System.getProperty("java.util.logging.config.file");
        if (logging != null) {
            command.add("-Djava.util.logging.config.file=" + logging);
        }
        command.add(mainClass.getName());
        command.addAll(args);
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertTrue(child.waitFor(timeoutSeconds, TimeUnit.SECONDS), "the child JVM did not finish; see " + log);
        } finally {
            child.destroyForcibly();
        }
        String output = read(log);
        assertEquals(
                expectedStatus,
                child.exitValue(),
                () -> "the child JVM " + mainClass.getSimpleName() + " exited unexpectedly; its output:\n" + output);
        return output;
    }

    /** Returns the text of {@code log}, or a note that it could not be read. */
    public static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
