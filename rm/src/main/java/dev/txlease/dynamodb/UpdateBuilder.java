package dev.txlease.dynamodb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Collects the parts of one conditional {@code UpdateItem}: SET and REMOVE actions, conditions
 * (joined with AND), and the placeholders they use. Fixed placeholders ({@code #owner}, ...) come
 * from {@link LeaseItems}; attribute names known only at run time (holder attributes) get numbered
 * placeholders ({@code #a0}, {@code :a1}, ...). Only the placeholders an expression uses are sent,
 * as DynamoDB rejects unused ones.
 *
 * <p>Not thread-safe: one request at a time.
 */
final class UpdateBuilder {
    private static final Pattern NAME_PLACEHOLDER = Pattern.compile("#[A-Za-z]+[0-9]*");
    private static final Pattern VALUE_PLACEHOLDER = Pattern.compile(":[A-Za-z]+[0-9]*");

    private final Map<String, String> fixedNames;
    private final List<String> sets = new ArrayList<>();
    private final List<String> removes = new ArrayList<>();
    private final List<String> conditions = new ArrayList<>();
    private final Map<String, String> dynamicNames = new HashMap<>();
    private final Map<String, String> placeholderOfName = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();
    private int next;

    UpdateBuilder(Map<String, String> fixedNames) {
        this.fixedNames = fixedNames;
    }

    /** Returns the placeholder of attribute {@code attributeName} (one per name). */
    String name(String attributeName) {
        return placeholderOfName.computeIfAbsent(attributeName, key -> {
            String placeholder = "#a" + next++;
            dynamicNames.put(placeholder, key);
            return placeholder;
        });
    }

    /** Returns a fresh placeholder for {@code value}. */
    String value(AttributeValue value) {
        String placeholder = ":a" + next++;
        values.put(placeholder, value);
        return placeholder;
    }

    /** Binds the fixed value placeholder {@code placeholder}. */
    UpdateBuilder bind(String placeholder, AttributeValue value) {
        values.put(placeholder, value);
        return this;
    }

    UpdateBuilder set(String action) {
        sets.add(action);
        return this;
    }

    UpdateBuilder remove(String path) {
        removes.add(path);
        return this;
    }

    UpdateBuilder condition(String condition) {
        conditions.add("(" + condition + ")");
        return this;
    }

    String updateExpression() {
        StringBuilder expression = new StringBuilder();
        if (!sets.isEmpty()) {
            expression.append("SET ").append(String.join(", ", sets));
        }
        if (!removes.isEmpty()) {
            expression
                    .append(expression.length() == 0 ? "" : " ")
                    .append("REMOVE ")
                    .append(String.join(", ", removes));
        }
        return expression.toString();
    }

    String conditionExpression() {
        return String.join(" AND ", conditions);
    }

    /** Returns the values the expressions use. */
    Map<String, AttributeValue> values() {
        Map<String, AttributeValue> used = new HashMap<>();
        Matcher matcher = VALUE_PLACEHOLDER.matcher(updateExpression() + " " + conditionExpression());
        while (matcher.find()) {
            String placeholder = matcher.group();
            AttributeValue value = values.get(placeholder);
            if (value == null) {
                throw new IllegalStateException("unbound placeholder " + placeholder);
            }
            used.put(placeholder, value);
        }
        return used;
    }

    /** Returns the names the expressions use. */
    Map<String, String> names() {
        Map<String, String> names = new HashMap<>();
        Matcher matcher = NAME_PLACEHOLDER.matcher(updateExpression() + " " + conditionExpression());
        while (matcher.find()) {
            String placeholder = matcher.group();
            String name =
                    dynamicNames.containsKey(placeholder) ? dynamicNames.get(placeholder) : fixedNames.get(placeholder);
            if (name == null) {
                throw new IllegalStateException("unknown placeholder " + placeholder);
            }
            names.put(placeholder, name);
        }
        return names;
    }
}
