package dev.txlease.dynamodb;

import dev.txlease.AcquireOptions;
import dev.txlease.LockNames;
import dev.txlease.spi.GrantRequest;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The argument checks of {@link DynamoDbLeaseStore}, run before any request is sent. Each failure
 * names the argument.
 *
 * <p>Stateless and thread-safe.
 */
final class StoreArguments {
    /** DynamoDB's limit on the operands of {@code IN}. */
    static final int MAX_EXPECTED_VERSIONS = 100;

    private StoreArguments() {}

    static void grant(GrantRequest request) {
        Objects.requireNonNull(request, "request must not be null");
        name(request.name());
        text("owner", request.owner());
        text("node", request.node());
        text("newVersion", request.newVersion());
        duration(request.leaseDuration());
        if (request.takeoverVersion() != null) {
            text("takeoverVersion", request.takeoverVersion());
        }
        if (request.data() != null && request.data().length > AcquireOptions.MAX_DATA_BYTES) {
            throw new IllegalArgumentException("data must be at most " + AcquireOptions.MAX_DATA_BYTES
                    + " bytes (DynamoDB's 400 KB item limit), was " + request.data().length + " bytes for lock '"
                    + request.name() + "'");
        }
    }

    static void held(String name, String owner) {
        name(name);
        text("owner", owner);
    }

    static void name(String name) {
        LockNames.check(name);
    }

    /** The longest lease duration a store records (a year: far beyond any sane lease, far from overflow). */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    static void text(String argument, String value) {
        Objects.requireNonNull(value, () -> argument + " must not be null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(argument + " must not be empty");
        }
    }

    static void duration(Duration leaseDuration) {
        Objects.requireNonNull(leaseDuration, "leaseDuration must not be null");
        if (leaseDuration.compareTo(Duration.ofMillis(1)) < 0 || leaseDuration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(
                    "leaseDuration must be between 1 ms and " + MAX_DURATION + ", was " + leaseDuration);
        }
    }

    /** Returns the distinct versions, in order. */
    static Set<String> versions(Collection<String> expectedVersions) {
        Objects.requireNonNull(expectedVersions, "expectedVersions must not be null");
        Set<String> versions = new LinkedHashSet<>();
        for (String version : expectedVersions) {
            text("expectedVersions element", version);
            versions.add(version);
        }
        if (versions.isEmpty() || versions.size() > MAX_EXPECTED_VERSIONS) {
            throw new IllegalArgumentException("expectedVersions must hold 1 to " + MAX_EXPECTED_VERSIONS
                    + " distinct versions, held " + versions.size());
        }
        return versions;
    }
}
