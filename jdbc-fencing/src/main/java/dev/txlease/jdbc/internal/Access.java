package dev.txlease.jdbc.internal;

/**
 * What a JDBC call may do to the database, as far as the fencing can tell without parsing SQL; it
 * decides which leases guard the call ({@link FencedConnection#beforeExecute(Access)}).
 *
 * <ul>
 *   <li>{@link #READ}: {@code executeQuery} of a {@code Statement} or {@code PreparedStatement};
 *   <li>{@link #UNKNOWN}: {@code execute} of a {@code Statement} or {@code PreparedStatement}: a
 *       read if its first result is a result set, a write if it is an update count;
 *   <li>{@link #WRITE}: everything else that runs SQL or writes: {@code executeUpdate}, {@code
 *       executeLargeUpdate}, the batches, every execution of a {@code CallableStatement} (a
 *       procedure may write), the writes of updatable result sets, LOBs and refs.
 * </ul>
 */
enum Access {
    READ,
    UNKNOWN,
    WRITE
}
