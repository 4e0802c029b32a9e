package dev.txlease.jdbc;

import dev.txlease.Lease;
import java.util.List;
import java.util.Objects;

/** Checks the leases passed to the public entry points of this package. Stateless, thread-safe. */
final class LeaseArguments {
    private LeaseArguments() {}

    /**
     * Returns {@code leases} as a list, or throws naming {@code caller} if the array or an element is
     * null, or the array is empty.
     */
    static List<Lease> nonEmpty(String caller, Lease[] leases) {
        Objects.requireNonNull(leases, () -> caller + ": leases must not be null");
        for (int i = 0; i < leases.length; i++) {
            if (leases[i] == null) {
                throw new NullPointerException(caller + ": lease " + i + " of " + leases.length + " is null");
            }
        }
        if (leases.length == 0) {
            throw new IllegalArgumentException(caller + " needs at least one lease");
        }
        return List.of(leases);
    }
}
