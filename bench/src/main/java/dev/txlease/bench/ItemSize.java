package dev.txlease.bench;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The size of a DynamoDB item by DynamoDB's documented rules ("Item sizes and formats" in the
 * DynamoDB Developer Guide): each attribute's name in UTF-8 bytes plus its value; a string is its
 * UTF-8 bytes, a number one byte per two significant digits plus one, a binary its bytes, a boolean
 * or null one byte, a list or map 3 bytes plus one byte and the size of each element (a map element
 * with its key), a set the sum of its elements. DynamoDB Local does not report sizes, so this is
 * what the bench can state: an estimate as exact as those rules.
 *
 * <p>Not instantiable.
 */
final class ItemSize {
    /** DynamoDB's largest item. */
    static final int MAX_ITEM_BYTES = 400 * 1024;

    private ItemSize() {}

    /** Returns the size of {@code item} in bytes. */
    static long of(Map<String, AttributeValue> item) {
        return item.entrySet().stream()
                .mapToLong(attribute -> utf8(attribute.getKey()) + of(attribute.getValue()))
                .sum();
    }

    /**
     * Returns the write request units of one write of an item of {@code bytes}: one per started KB
     * (an {@code UpdateItem} is charged for the larger of the item before and after it).
     */
    static long writeUnits(long bytes) {
        return Math.max(1, (bytes + 1023) / 1024);
    }

    private static long of(AttributeValue value) {
        if (value.s() != null) {
            return utf8(value.s());
        }
        if (value.n() != null) {
            return number(value.n());
        }
        if (value.b() != null) {
            return value.b().asByteArray().length;
        }
        if (value.bool() != null || value.nul() != null) {
            return 1;
        }
        if (value.hasM()) {
            return 3
                    + value.m().entrySet().stream()
                            .mapToLong(element -> 1 + utf8(element.getKey()) + of(element.getValue()))
                            .sum();
        }
        if (value.hasL()) {
            return 3 + value.l().stream().mapToLong(element -> 1 + of(element)).sum();
        }
        if (value.hasSs()) {
            return value.ss().stream().mapToLong(ItemSize::utf8).sum();
        }
        if (value.hasNs()) {
            return value.ns().stream().mapToLong(ItemSize::number).sum();
        }
        if (value.hasBs()) {
            return value.bs().stream()
                    .mapToLong(bytes -> bytes.asByteArray().length)
                    .sum();
        }
        throw new IllegalArgumentException("unknown attribute value type: " + value);
    }

    private static long number(String number) {
        BigDecimal decimal = new BigDecimal(number).stripTrailingZeros();
        int digits = decimal.signum() == 0 ? 1 : decimal.precision();
        return (digits + 1) / 2 + 1;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
