package dev.txlease.dynamodb;

import dev.txlease.LockMode;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseWaiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The attributes of the holders in modes other than EX and of the waiter marker: their names, the
 * requests that renew, release, prepare and complete one holder, the waiter marker requests, and
 * their mapping back to {@link LeaseHolder}s and {@link LeaseWaiter}s. The schema is in {@link
 * DynamoDbLeaseStore}'s class Javadoc.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class HolderItems {
    static final String OWNER = "o";
    static final String VERSION = "v";
    static final String DURATION = "d";
    static final String NODE = "n";
    static final String DATA = "b";
    static final String TRANSACTION = "x";
    static final String WAITER_ID = "i";
    static final String WAITER_MODE = "m";

    /** The modes kept in holder attributes: every mode but EX. */
    static final List<LockMode> SHARED_MODES = List.of(LockMode.NL, LockMode.CR, LockMode.CW, LockMode.PR, LockMode.PW);

    private final LeaseItems items;
    private final String prefix;

    HolderItems(LeaseItems items) {
        this.items = items;
        this.prefix = items.attributes().holderPrefix();
    }

    /** The attribute that counts the holders of {@code mode}. */
    String count(LockMode mode) {
        return prefix + mode.name();
    }

    /** The map attribute of one holder. */
    String holder(HolderRef ref) {
        return prefix + ref.mode().name() + "_" + ref.holderId();
    }

    /** The fence token attribute of one holder. */
    String token(HolderRef ref) {
        return prefix + ref.mode().name() + "#" + ref.holderId();
    }

    UpdateItemRequest renew(
            String name,
            HolderRef ref,
            String owner,
            Collection<String> versions,
            String newVersion,
            Duration duration) {
        UpdateBuilder update = items.builder();
        String holder = heldBy(update, ref, owner, versions);
        update.set(holder + ".#hv = " + update.value(AttributeValue.fromS(newVersion)));
        update.set(holder + ".#hd = " + update.value(millis(duration)));
        return items.update(name, update);
    }

    UpdateItemRequest prepare(
            String name,
            HolderRef ref,
            String owner,
            Collection<String> versions,
            String newVersion,
            Duration duration,
            String transactionId) {
        UpdateBuilder update = items.builder();
        String holder = heldBy(update, ref, owner, versions);
        update.set(holder + ".#hv = " + update.value(AttributeValue.fromS(newVersion)));
        update.set(holder + ".#hd = " + update.value(millis(duration)));
        update.set(holder + ".#hx = " + update.value(AttributeValue.fromS(transactionId)));
        return items.update(name, update);
    }

    UpdateItemRequest release(String name, HolderRef ref, String owner, Collection<String> versions) {
        UpdateBuilder update = items.builder();
        heldBy(update, ref, owner, versions);
        removeHolder(update, ref);
        return items.update(name, update);
    }

    UpdateItemRequest completeTransaction(String name, HolderRef ref, String transactionId, boolean release) {
        UpdateBuilder update = items.builder();
        String holder = update.name(holder(ref));
        update.condition(holder + ".#hx = " + update.value(AttributeValue.fromS(transactionId)));
        if (release) {
            removeHolder(update, ref);
        } else {
            update.remove(holder + ".#hx");
        }
        return items.update(name, update);
    }

    UpdateItemRequest markWaiting(String name, LeaseWaiter waiter, String replacesVersion) {
        UpdateBuilder update = items.builder();
        Map<String, AttributeValue> marker = new HashMap<>();
        marker.put(WAITER_ID, AttributeValue.fromS(waiter.waiterId()));
        marker.put(WAITER_MODE, AttributeValue.fromS(waiter.mode().name()));
        marker.put(OWNER, AttributeValue.fromS(waiter.owner()));
        marker.put(VERSION, AttributeValue.fromS(waiter.version()));
        marker.put(DURATION, millis(waiter.leaseDuration()));
        update.set("#waiter = " + update.value(AttributeValue.fromM(marker)));
        String free = "attribute_not_exists(#waiter) OR #waiter.#wi = "
                + update.value(AttributeValue.fromS(waiter.waiterId()));
        if (replacesVersion != null) {
            free += " OR #waiter.#hv = " + update.value(AttributeValue.fromS(replacesVersion));
        }
        update.condition("attribute_exists(#pk)").condition(free);
        // A marker write delayed in the network must not queue again a waiter that was granted since.
        if (waiter.mode() == LockMode.EX) {
            update.bind(":false", AttributeValue.fromBool(false));
            update.condition(
                    "NOT (#owner = " + update.value(AttributeValue.fromS(waiter.owner())) + " AND #released = :false)");
        } else {
            update.condition("attribute_not_exists("
                    + update.name(holder(HolderRef.of(waiter.mode(), waiter.waiterId()))) + ")");
        }
        return items.update(name, update);
    }

    UpdateItemRequest unmarkWaiting(String name, String waiterId) {
        UpdateBuilder update = items.builder();
        update.condition("#waiter.#wi = " + update.value(AttributeValue.fromS(waiterId)));
        update.remove("#waiter");
        return items.update(name, update);
    }

    /** Adds the condition that {@code owner} holds {@code ref} at one of {@code versions}; returns its placeholder. */
    private String heldBy(UpdateBuilder update, HolderRef ref, String owner, Collection<String> versions) {
        String holder = update.name(holder(ref));
        update.condition(holder + ".#ho = " + update.value(AttributeValue.fromS(owner)) + " AND " + holder + ".#hv IN "
                + in(update, versions));
        return holder;
    }

    /** Removes the holder and its token and counts it out. */
    private void removeHolder(UpdateBuilder update, HolderRef ref) {
        update.remove(update.name(holder(ref))).remove(update.name(token(ref)));
        String count = update.name(count(ref.mode()));
        update.set(count + " = " + count + " - " + update.value(AttributeValue.fromN("1")));
    }

    static String in(UpdateBuilder update, Collection<String> versions) {
        StringJoiner list = new StringJoiner(", ", "(", ")");
        for (String version : versions) {
            list.add(update.value(AttributeValue.fromS(version)));
        }
        return list.toString();
    }

    /** The holder map written by a grant. */
    static AttributeValue holderValue(String owner, String version, Duration duration, String node, byte[] data) {
        Map<String, AttributeValue> holder = new HashMap<>();
        holder.put(OWNER, AttributeValue.fromS(owner));
        holder.put(VERSION, AttributeValue.fromS(version));
        holder.put(DURATION, millis(duration));
        holder.put(NODE, AttributeValue.fromS(node));
        if (data != null) {
            holder.put(DATA, AttributeValue.fromB(SdkBytes.fromByteArray(data)));
        }
        return AttributeValue.fromM(holder);
    }

    /** Maps the holder attributes of {@code item} to holders. */
    static List<LeaseHolder> holders(Map<String, AttributeValue> item, String prefix) {
        List<LeaseHolder> holders = new ArrayList<>();
        for (Map.Entry<String, AttributeValue> entry : item.entrySet()) {
            String attribute = entry.getKey();
            if (!attribute.startsWith(prefix) || attribute.length() < prefix.length() + 4) {
                continue;
            }
            String rest = attribute.substring(prefix.length());
            LockMode mode = mode(rest.substring(0, 2));
            if (mode == null || rest.charAt(2) != '_' || !entry.getValue().hasM()) {
                continue;
            }
            String id = rest.substring(3);
            Map<String, AttributeValue> map = entry.getValue().m();
            AttributeValue token = item.get(prefix + mode.name() + "#" + id);
            AttributeValue data = map.get(DATA);
            holders.add(new LeaseHolder(
                    HolderRef.of(mode, id),
                    text(map, OWNER),
                    text(map, VERSION),
                    token == null || token.n() == null ? 0 : Long.parseLong(token.n()),
                    Duration.ofMillis(number(map, DURATION)),
                    data == null || data.b() == null ? null : data.b().asByteArray(),
                    text(map, NODE),
                    text(map, TRANSACTION)));
        }
        return holders;
    }

    /** Maps the waiter marker of {@code item}, or null. */
    static LeaseWaiter waiter(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        if (value == null || !value.hasM()) {
            return null;
        }
        Map<String, AttributeValue> map = value.m();
        return new LeaseWaiter(
                text(map, WAITER_ID),
                LockMode.valueOf(text(map, WAITER_MODE)),
                text(map, OWNER),
                text(map, VERSION),
                Duration.ofMillis(number(map, DURATION)));
    }

    private static LockMode mode(String name) {
        for (LockMode mode : SHARED_MODES) {
            if (mode.name().equals(name)) {
                return mode;
            }
        }
        return null;
    }

    private static String text(Map<String, AttributeValue> map, String key) {
        AttributeValue value = map.get(key);
        return value == null ? null : value.s();
    }

    private static long number(Map<String, AttributeValue> map, String key) {
        AttributeValue value = map.get(key);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    static AttributeValue millis(Duration duration) {
        return AttributeValue.fromN(Long.toString(duration.toMillis()));
    }
}
