package dev.txlease.dynamodb;

import dev.txlease.LockMode;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.HolderVersion;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Builds the one conditional {@code UpdateItem} of a grant in any mode, with the evictions, the
 * waiter marker handling and the conversion it carries (the algorithm is in {@link
 * DynamoDbLeaseStore}'s class Javadoc). An EX grant without evictions, waiter or conversion writes
 * exactly what it wrote before lock modes existed; its condition only adds that no holders of the
 * other modes (but NL) and no incompatible waiter marker are on the item.
 *
 * <p>Not thread-safe: one per request.
 */
final class GrantItems {
    private final LeaseItems items;
    private final HolderItems holders;
    private final GrantRequest request;
    private final LockMode mode;
    private final UpdateBuilder update;
    private final Map<LockMode, Integer> countDelta = new EnumMap<>(LockMode.class);
    private final Map<LockMode, List<HolderRef>> removed = new EnumMap<>(LockMode.class);

    GrantItems(LeaseItems items, GrantRequest request) {
        this.items = items;
        this.holders = new HolderItems(items);
        this.request = request;
        this.mode = request.mode();
        this.update = items.builder();
    }

    UpdateBuilder build() {
        update.bind(":one", AttributeValue.fromN("1"));
        update.bind(":base", AttributeValue.fromN(Long.toString(items.fenceBase())));
        HolderRef from = request.convertFrom();
        boolean releasesTopLevel =
                from != null && from.isExclusive() || request.takeoverVersion() != null && mode != LockMode.EX;
        if (mode == LockMode.EX) {
            grantExclusive();
        } else {
            grantShared(releasesTopLevel);
        }
        update.remove("#expires");
        topLevelCondition(from);
        if (from != null && !from.isExclusive()) {
            String holder = update.name(holders.holder(from));
            update.condition(holder + ".#ho = :owner AND " + holder + ".#hv IN "
                    + HolderItems.in(update, request.convertFromVersions()));
            removeHolder(from);
        }
        for (HolderVersion eviction : request.evictions()) {
            update.condition(update.name(holders.holder(eviction.ref())) + ".#hv = "
                    + update.value(AttributeValue.fromS(eviction.version())));
            removeHolder(eviction.ref());
        }
        incompatibleHolders();
        waiterCondition(from);
        countActions();
        return update;
    }

    /** Today's EX grant: the top-level holder. */
    private void grantExclusive() {
        update.bind(":owner", AttributeValue.fromS(request.owner()))
                .bind(":newVersion", AttributeValue.fromS(request.newVersion()))
                .bind(":duration", HolderItems.millis(request.leaseDuration()))
                .bind(":node", AttributeValue.fromS(request.node()))
                .bind(":false", AttributeValue.fromBool(false));
        update.set("#owner = :owner")
                .set("#version = :newVersion")
                .set("#duration = :duration")
                .set("#node = :node")
                .set("#released = :false")
                .set("#fence = if_not_exists(#fence, :base) + :one");
        update.remove("#txid").remove("#exFence"); // the token is the counter until an NL grant
        if (request.data() == null) {
            update.remove("#data");
        } else {
            update.bind(":data", AttributeValue.fromB(SdkBytes.fromByteArray(request.data())));
            update.set("#data = :data");
        }
    }

    /** A holder attribute and its token; the top-level attributes a record needs if the item is new. */
    private void grantShared(boolean releasesTopLevel) {
        HolderRef ref = request.holder();
        update.bind(":owner", AttributeValue.fromS(request.owner()));
        String holder = update.name(holders.holder(ref));
        update.set(holder + " = "
                + update.value(HolderItems.holderValue(
                        request.owner(),
                        request.newVersion(),
                        request.leaseDuration(),
                        request.node(),
                        request.data())));
        update.set(update.name(holders.token(ref)) + " = if_not_exists(#fence, :base) + :one");
        if (mode == LockMode.NL) {
            // NL may land beside an EX holder: keep its token (the counter as its grant left it)
            update.set("#exFence = if_not_exists(#exFence, if_not_exists(#fence, :base))");
        }
        update.set("#fence = if_not_exists(#fence, :base) + :one");
        update.condition("attribute_not_exists(" + holder + ")");
        countDelta.merge(mode, 1, Integer::sum);
        update.bind(":true", AttributeValue.fromBool(true));
        update.bind(":newVersion", AttributeValue.fromS(request.newVersion()));
        update.bind(":duration", HolderItems.millis(request.leaseDuration()));
        update.set("#duration = if_not_exists(#duration, :duration)");
        if (releasesTopLevel) {
            // a new version: the EX holder's late release (or renewal) must find its lease lost
            update.set("#version = :newVersion")
                    .set("#released = :true")
                    .remove("#owner")
                    .remove("#data")
                    .remove("#txid");
        } else {
            update.set("#version = if_not_exists(#version, :newVersion)")
                    .set("#released = if_not_exists(#released, :true)");
        }
    }

    /** The EX holder: ours when converting from EX, else free (or taken over) unless NL is asked for. */
    private void topLevelCondition(HolderRef from) {
        if (from != null && from.isExclusive()) {
            update.bind(":false", AttributeValue.fromBool(false));
            update.condition("#owner = :owner AND #version IN " + HolderItems.in(update, request.convertFromVersions())
                    + " AND #released = :false");
            return;
        }
        if (mode == LockMode.NL) {
            return;
        }
        update.bind(":true", AttributeValue.fromBool(true));
        String condition = "attribute_not_exists(#pk) OR #released = :true";
        if (request.takeoverVersion() != null) {
            condition += " OR #version = " + update.value(AttributeValue.fromS(request.takeoverVersion()));
        }
        update.condition(condition);
    }

    /**
     * Every mode incompatible with the requested one holds nobody but the holders this grant removes
     * (evicted, or converted); the requested mode keeps below its limit.
     */
    private void incompatibleHolders() {
        for (LockMode other : HolderItems.SHARED_MODES) {
            String count = update.name(holders.count(other));
            int removing = removed.getOrDefault(other, List.of()).size();
            if (!other.isCompatibleWith(mode)) {
                update.condition(
                        removing == 0
                                ? "attribute_not_exists(" + count + ") OR " + count + " = "
                                        + update.value(AttributeValue.fromN("0"))
                                : count + " = " + update.value(AttributeValue.fromN(Integer.toString(removing))));
            } else if (other == mode) {
                update.condition("attribute_not_exists(" + count + ") OR " + count + " < "
                        + update.value(AttributeValue.fromN(
                                Integer.toString(DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE + removing))));
            }
        }
    }

    /**
     * Somebody else's marker blocks modes incompatible with its own; ours, or a dead one, is removed.
     * A conversion goes ahead of a waiter that its current mode blocks already (the waiter waits for
     * it anyway, as in DLMs), but not of one its current mode lets through: NL or CR then PR would
     * otherwise be a way around a queued writer.
     */
    private void waiterCondition(HolderRef from) {
        List<String> incompatible = new ArrayList<>();
        for (LockMode other : LockMode.values()) {
            if (!other.isCompatibleWith(mode) && (from == null || other.isCompatibleWith(from.mode()))) {
                incompatible.add(update.value(AttributeValue.fromS(other.name())));
            }
        }
        if (request.ownWaiterId() != null) {
            update.condition("#waiter.#wi = " + update.value(AttributeValue.fromS(request.ownWaiterId())));
            update.remove("#waiter");
        } else if (incompatible.isEmpty()) {
            return; // NL waits for nobody; nor does a conversion from a mode every waiter waits for
        } else if (request.waiterTakeoverVersion() != null) {
            update.condition("#waiter.#hv = " + update.value(AttributeValue.fromS(request.waiterTakeoverVersion())));
            update.remove("#waiter");
        } else {
            update.condition(
                    "attribute_not_exists(#waiter) OR NOT (#waiter.#wm IN (" + String.join(", ", incompatible) + "))");
        }
    }

    private void removeHolder(HolderRef ref) {
        update.remove(update.name(holders.holder(ref))).remove(update.name(holders.token(ref)));
        countDelta.merge(ref.mode(), -1, Integer::sum);
        removed.computeIfAbsent(ref.mode(), key -> new ArrayList<>()).add(ref);
    }

    private void countActions() {
        update.bind(":zero", AttributeValue.fromN("0"));
        for (Map.Entry<LockMode, Integer> delta : countDelta.entrySet()) {
            if (delta.getValue() != 0) {
                String count = update.name(holders.count(delta.getKey()));
                update.set(count + " = if_not_exists(" + count + ", :zero) + "
                        + update.value(AttributeValue.fromN(Integer.toString(delta.getValue()))));
            }
        }
    }
}
