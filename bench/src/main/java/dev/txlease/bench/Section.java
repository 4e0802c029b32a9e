package dev.txlease.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One measure's results: a table, the targets it checks, notes, and raw values for the JSON file.
 *
 * <p>Not thread-safe: a measure fills it on one thread.
 */
final class Section {
    private final String key;
    private final String title;
    private final List<String> description = new ArrayList<>();
    private final List<String> columns = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private String notMeasured;

    /**
     * Creates an empty section.
     *
     * @param key the JSON key, e.g. {@code requestsPerOperation}
     * @param title the heading
     */
    Section(String key, String title) {
        this.key = key;
        this.title = title;
    }

    String key() {
        return key;
    }

    String title() {
        return title;
    }

    /** Adds a paragraph saying how the measure works. */
    Section describe(String paragraph) {
        description.add(paragraph);
        return this;
    }

    /** Sets the table's column headings. */
    Section columns(String... headings) {
        columns.clear();
        columns.addAll(List.of(headings));
        return this;
    }

    /** Adds a table row. */
    Section row(String... cells) {
        rows.add(List.of(cells));
        return this;
    }

    /** Adds a target with what was measured; {@code met} is {@code null} when it was not measured. */
    Section target(String target, String measured, Boolean met) {
        targets.add(new Target(title, target, measured, met));
        return this;
    }

    /** Adds a note under the table. */
    Section note(String note) {
        notes.add(note);
        return this;
    }

    /** Records a raw value for the JSON file. */
    Section value(String name, Object value) {
        values.put(name, value);
        return this;
    }

    /** Returns a raw value recorded with {@link #value}, or {@code null}. */
    Object value(String name) {
        return values.get(name);
    }

    /** Marks the measure as not run, saying why. */
    Section notMeasured(String reason) {
        this.notMeasured = reason;
        return this;
    }

    /** Returns whether the measure ran. */
    boolean measured() {
        return notMeasured == null;
    }

    List<Target> targets() {
        return List.copyOf(targets);
    }

    /** Returns the section as markdown, starting with a level-2 heading. */
    String markdown() {
        StringBuilder out = new StringBuilder("## ").append(title).append("\n\n");
        description.forEach(paragraph -> out.append(paragraph).append("\n\n"));
        if (notMeasured != null) {
            out.append("**Not measured yet:** ").append(notMeasured).append("\n\n");
        }
        if (!columns.isEmpty() && !rows.isEmpty()) {
            appendRow(out, columns);
            out.append('|');
            columns.forEach(column -> out.append("---|"));
            out.append('\n');
            rows.forEach(row -> appendRow(out, row));
            out.append('\n');
        }
        notes.forEach(note -> out.append("- ").append(note).append('\n'));
        if (!notes.isEmpty()) {
            out.append('\n');
        }
        return out.toString();
    }

    /** Returns the section as a JSON-ready map. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("title", title);
        json.put("measured", measured());
        if (notMeasured != null) {
            json.put("notMeasured", notMeasured);
        }
        List<Map<String, Object>> table = new ArrayList<>();
        for (List<String> row : rows) {
            Map<String, Object> line = new LinkedHashMap<>();
            for (int i = 0; i < columns.size() && i < row.size(); i++) {
                line.put(columns.get(i), row.get(i));
            }
            table.add(line);
        }
        json.put("table", table);
        json.put("values", values);
        json.put("targets", targets.stream().map(Target::toJson).toList());
        json.put("notes", notes);
        return json;
    }

    private static void appendRow(StringBuilder out, List<String> cells) {
        out.append('|');
        cells.forEach(cell -> out.append(' ').append(cell.replace("|", "\\|")).append(" |"));
        out.append('\n');
    }

    /**
     * A target of the issue and what the run measured against it.
     *
     * @param measure the measure's title
     * @param target the target, e.g. "txlease free acquire: 1 request"
     * @param measured what was measured
     * @param met whether it was met; {@code null} when not measured
     */
    record Target(String measure, String target, String measured, Boolean met) {
        String status() {
            return met == null ? "not measured" : met ? "met" : "**missed**";
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("target", target);
            json.put("measured", measured);
            json.put("met", met);
            return json;
        }
    }
}
