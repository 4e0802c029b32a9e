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
 * <p>In a transaction the database keeps read-only (PostgreSQL after {@code setReadOnly(true)};
 * MariaDB/MySQL started {@code READ ONLY} by SQL), where the recording update cannot run, the check
 * only reads the guard row: the query is rejected if a newer incompatible holder has passed the check,
 * and passes otherwise, but the read is not recorded (it does not reject an older incompatible writer
 * afterwards) and does not lock the row (a newer holder does not wait for it). A PostgreSQL
 * transaction made read-only by SQL ({@code SET TRANSACTION READ ONLY}) is not seen by the driver:
 * its check fails with SQLState {@code 25006}; use {@code setReadOnly(true)}.
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
