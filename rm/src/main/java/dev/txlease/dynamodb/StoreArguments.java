package dev.txlease.dynamodb;

import dev.txlease.AcquireOptions;
import dev.txlease.LockMode;
import dev.txlease.LockNames;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.HolderVersion;
import java.nio.charset.StandardCharsets;
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
        shared(request);
        evictions(request);
        if (request.data() != null && request.data().length > AcquireOptions.MAX_DATA_BYTES) {
            throw new IllegalArgumentException("data must be at most " + AcquireOptions.MAX_DATA_BYTES
                    + " bytes (DynamoDB's 400 KB item limit), was " + request.data().length + " bytes for lock '"
                    + request.name() + "'");
        }
    }

    /** The most UTF-8 bytes of an owner or node of a holder in a mode other than EX. */
    static final int MAX_SHARED_TEXT_BYTES = 128;

    /** The most bytes of data stored with a holder in a mode other than EX. */
    static final int MAX_SHARED_DATA_BYTES = 256;

    /** The most characters of a transaction id prepared on a holder in a mode other than EX. */
    static final int MAX_SHARED_TRANSACTION_ID = 320;

    /** The most holders one grant evicts (DynamoDB's 4 KB expression limit). */
    static final int MAX_EVICTIONS = 80;

    /** The limits of a holder in a mode other than EX, which keep its item far below 400 KB. */
    static void shared(GrantRequest request) {
        LockMode mode = request.mode();
        if (mode == LockMode.EX) {
            return;
        }
        bounded(request.name(), mode, "owner", request.owner());
        bounded(request.name(), mode, "node", request.node());
        if (request.data() != null && request.data().length > MAX_SHARED_DATA_BYTES) {
            throw new IllegalArgumentException("data of a lease in mode " + mode + " must be at most "
                    + MAX_SHARED_DATA_BYTES + " bytes (up to " + (3 * DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE)
                    + " holders share one 400 KB DynamoDB item), was " + request.data().length
                    + " bytes for lock '" + request.name() + "'");
        }
    }

    static void evictions(GrantRequest request) {
        if (request.evictions().size() > MAX_EVICTIONS) {
            throw new IllegalArgumentException("a grant evicts at most " + MAX_EVICTIONS + " holders, had "
                    + request.evictions().size() + " for lock '" + request.name() + "'");
        }
        for (HolderVersion eviction : request.evictions()) {
            if (eviction.ref().isExclusive()) {
                throw new IllegalArgumentException(
                        "the EX holder of lock '" + request.name() + "' is taken over by takeoverVersion, not evicted");
            }
            text("eviction version", eviction.version());
        }
        if (request.ownWaiterId() != null) {
            HolderRef.checkId(request.ownWaiterId());
        }
        if (request.convertFrom() != null) {
            versions(request.convertFromVersions());
            if (request.convertFrom().mode() == request.mode()) {
                throw new IllegalArgumentException("a conversion of lock '" + request.name()
                        + "' must change the mode, was " + request.mode() + " to " + request.mode());
            }
        }
    }

    static void bounded(String name, LockMode mode, String argument, String value) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SHARED_TEXT_BYTES) {
            throw new IllegalArgumentException(argument + " of a lease in mode " + mode + " must be at most "
                    + MAX_SHARED_TEXT_BYTES + " UTF-8 bytes (many holders share one 400 KB DynamoDB item), was "
                    + bytes + " bytes for lock '" + name + "'");
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
