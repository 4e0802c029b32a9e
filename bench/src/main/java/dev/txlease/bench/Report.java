package dev.txlease.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one run: where and how it ran, a summary of the targets, and the sections of the
 * measures; written as {@code latest.md} and {@code latest.json}.
 *
 * <p>Not thread-safe.
 */
final class Report {
    private final String mode;
    private final String command;
    private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<Section> sections = new ArrayList<>();

    Report(String mode, String command) {
        this.mode = mode;
        this.command = command;
        environment.put("date (UTC)", started.toString());
        environment.put("mode", mode);
        environment.put("command", "`" + command + "`");
        environment.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        environment.put(
                "JDK",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vendor") + ")");
        environment.put(
                "OS",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        environment.put("load average (1 min) at start", loadAverage());
        environment.put("max heap", Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        environment.put(
                "JVM arguments",
                String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    /** Adds an environment line (e.g. the library versions). */
    void environment(String name, String value) {
        environment.put(name, value);
    }

    void add(Section section) {
        sections.add(section);
    }

    List<Section> sections() {
        return List.copyOf(sections);
    }

    /** Records the load average again; call when the measures are done. */
    void finished() {
        environment.put("load average (1 min) at end", loadAverage());
    }

    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", load);
    }

    /** Returns the whole report as markdown. */
    String markdown() {
        StringBuilder out = new StringBuilder("# txlease vs. AWS DynamoDB Lock Client: benchmark results\n\n");
        out.append("| | |\n|---|---|\n");
        environment.forEach((name, value) -> out.append("| ")
                .append(name)
                .append(" | ")
                .append(value.replace("|", "\\|"))
                .append(" |\n"));
        out.append("\n## Targets\n\n| measure | target | measured | status |\n|---|---|---|---|\n");
        for (Section section : sections) {
            for (Section.Target target : section.targets()) {
                out.append("| ")
                        .append(target.measure())
                        .append(" | ")
                        .append(target.target())
                        .append(" | ")
                        .append(target.measured())
                        .append(" | ")
                        .append(target.status())
                        .append(" |\n");
            }
        }
        out.append('\n');
        sections.forEach(section -> out.append(section.markdown()));
        return out.toString();
    }

    /** Returns the whole report as a JSON-ready map. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", started.toString());
        json.put("mode", mode);
        json.put("command", command);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("jdk", System.getProperty("java.runtime.version"));
        json.put("jdkVendor", System.getProperty("java.vendor"));
        json.put("environment", environment);
        Map<String, Object> measures = new LinkedHashMap<>();
        sections.forEach(section -> measures.put(section.key(), section.toJson()));
        json.put("measures", measures);
        return json;
    }

    /** Writes {@code latest.md} and {@code latest.json} into {@code directory}, creating it. */
    List<Path> write(Path directory) {
        try {
            Files.createDirectories(directory);
            Path markdown = directory.resolve("latest.md");
            Path json = directory.resolve("latest.json");
            Files.writeString(markdown, markdown(), StandardCharsets.UTF_8);
            Files.writeString(json, Json.write(toJson()), StandardCharsets.UTF_8);
            return List.of(markdown, json);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the results to " + directory, e);
        }
    }
}
