package dev.txlease.bench;

/**
 * One of the two libraries: its request counter and a factory of its clients, all on one SDK
 * client and the shared table.
 *
 * <p>Thread-safe.
 *
 * @param <H> the library's handle of a held lock
 */
interface LibraryUnderTest<H> {

    /** Returns the short name used in tables and JSON keys: {@code txlease} or {@code aws}. */
    String key();

    /** Returns the display name with its version. */
    String displayName();

    /** Returns the counter of the requests all of this library's clients send. */
    RequestCounter requests();

    /** Returns a new client with its own owner identity and background threads. */
    LockClientUnderTest<H> newClient(LeaseSettings settings);

    /** Returns the prefix of the names of this library's background threads. */
    String threadNamePrefix();
}
