package dev.txlease.bench;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Part of measure 6: one lock name held by many compatible holders at once (one client holds them
 * all, without data): the item's size by {@link ItemSize} once all are granted, and the requests of
 * the last holder's acquire, renew and release beside the others. The item is read with a client of
 * its own, which the counter does not see.
 *
 * <p>Not instantiable.
 */
final class SharedHolderScale {
    /**
     * The holder sets, granted in mode order: N PR holders, and the most the store keeps in three
     * compatible modes ({@code DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE} each).
     */
    private static final List<Map<LockMode, Integer>> HOLDER_SETS = List.of(
            new EnumMap<>(Map.of(LockMode.PR, 1)),
            new EnumMap<>(Map.of(LockMode.PR, 8)),
            new EnumMap<>(Map.of(LockMode.PR, 32)),
            new EnumMap<>(Map.of(LockMode.NL, 32, LockMode.CR, 32, LockMode.PR, 32)));

    private SharedHolderScale() {}

    static void run(LoopbackDynamoDb dynamo, ModeRequests.Runs runs, Section section) {
        DynamoDbClient reader = dynamo.newClient();
        List<Map<String, Object>> values = new ArrayList<>();
        for (Map<LockMode, Integer> holders : HOLDER_SETS) {
            String describe = describe(holders);
            String name = "m6-shared-" + describe.replace(' ', '-');
            List<Lease> others = new ArrayList<>();
            LockMode last = null;
            for (Map.Entry<LockMode, Integer> mode : holders.entrySet()) {
                for (int i = 0; i < mode.getValue(); i++) {
                    if (last != null) {
                        others.add(runs.acquireFree(runs.client(), name, last));
                    }
                    last = mode.getKey();
                }
            }
            LockMode lastMode = last;
            Counting acquire = new Counting();
            Counting renew = new Counting();
            Counting release = new Counting();
            Lease lease = runs.counted(acquire, () -> runs.acquireFree(runs.client(), name, lastMode));
            long bytes = ItemSize.of(reader.getItem(request -> request.tableName(BenchTable.NAME)
                            .key(Map.of(BenchTable.KEY_ATTRIBUTE, AttributeValue.fromS(name)))
                            .consistentRead(true))
                    .item());
            runs.counted(renew, () -> {
                runs.client().renew(lease);
                return lease;
            });
            runs.counted(release, () -> runs.release(runs.client(), lease));
            others.forEach(other -> runs.release(runs.client(), other));
            section.note(String.format(
                    Locale.ROOT,
                    "%s holder%s: item %,d bytes (%.1f%% of DynamoDB's 400 KB; %d write unit%s per write);"
                            + " requests of the last holder's acquire / renew / release beside the others:"
                            + " %d / %d / %d.",
                    describe,
                    holders.values().stream().mapToInt(Integer::intValue).sum() == 1 ? "" : "s",
                    bytes,
                    100.0 * bytes / ItemSize.MAX_ITEM_BYTES,
                    ItemSize.writeUnits(bytes),
                    ItemSize.writeUnits(bytes) == 1 ? "" : "s",
                    acquire.max(),
                    renew.max(),
                    release.max()));
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("holders", describe);
            value.put("itemBytes", bytes);
            value.put("writeUnits", ItemSize.writeUnits(bytes));
            value.put("acquire", acquire.samples());
            value.put("renew", renew.samples());
            value.put("release", release.samples());
            values.add(value);
        }
        section.value("sharedHolders", values);
    }

    /** Returns e.g. {@code "32 NL + 32 CR + 32 PR"}. */
    private static String describe(Map<LockMode, Integer> holders) {
        List<String> parts = new ArrayList<>();
        holders.forEach((mode, count) -> parts.add(count + " " + mode));
        return String.join(" + ", parts);
    }
}
