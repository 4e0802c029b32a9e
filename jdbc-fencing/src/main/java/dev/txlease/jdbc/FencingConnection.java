package dev.txlease.jdbc;

/**
 * The txlease side of a connection handed out by a {@link FencedDataSource} or a Jdbi handle with the
 * fencing plugin; reach it with {@code connection.unwrap(FencingConnection.class)}.
 *
 * <p>Fenced reads: a lease in a read mode ({@link dev.txlease.LockMode#CR CR}, {@link
 * dev.txlease.LockMode#PR PR}) guards only the statements that may write, unless fenced reads are on;
 * then it guards queries too, so that a reader superseded by an incompatible holder that has written
 * is rejected at its next query. Leases in write modes guard every statement either way; see {@link
 * FencedDataSource} for which statements count as reads.
 *
 * <p>Not thread-safe, like the connection.
 */
public interface FencingConnection {
    /**
     * Turns fenced reads on or off for this connection, from its next statement on, until changed; the
     * default is the data source's ({@link FencedDataSource.Builder#fencedReads(boolean)}).
     *
     * @param fencedReads whether read-mode leases guard queries too
     */
    void setFencedReads(boolean fencedReads);

    /**
     * Returns whether read-mode leases guard queries on this connection.
     *
     * @return whether fenced reads are on
     */
    boolean getFencedReads();
}
