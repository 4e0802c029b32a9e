package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.FenceCheckException;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.FencingConnection;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * A connection that checks the fence tokens of the leases guarding its current transaction before
 * the transaction's statements run. All fencing state and logic live here; the statements, result
 * sets and metadata it hands out ({@link FencedObjects}) call back into {@link #beforeExecute(Access)}
 * before anything that runs SQL or writes, and into {@link #afterFailure()} when the driver throws.
 *
 * <p>The leases in effect are the union of those given when the connection was opened, those bound
 * to the executing thread by a {@code LeaseBinding}, and those the current JTA transaction
 * published. Each {@code (name, token, mode)} is checked once per database transaction, on the raw
 * connection (so the check does not recurse), in name order (so two transactions with the same
 * leases lock their guard rows in the same order). Leases acquired in mid-transaction are checked
 * before the next statement.
 *
 * <p>Which leases guard a call ({@link Access}): an NL lease none; a lease in a write mode (CW, PW,
 * EX) every call that runs SQL or writes, reads included, since SQL is not parsed; a lease in a read
 * mode (CR, PR) the writes, and the reads too when fenced reads are on ({@link #setFencedReads}). An
 * {@code execute} that turns out to have written is checked right after it returns.
 *
 * <p>Transaction boundaries: locally, {@code commit}, {@code rollback} and a change of auto-commit
 * end the transaction; under JTA the transaction key of the registry does. What may have ended the
 * transaction without the wrapper knowing makes it forget what was checked, so the next statement
 * checks again: any {@code SQLException} from a wrapped object (the database may have rolled the
 * transaction back), {@code rollback(Savepoint)} (the guard rows may have been rolled back with
 * it), {@code setTransactionIsolation} (H2 commits there). A local {@code commit()} runs the guard
 * update of every fence the transaction checked once more before committing, which catches what the
 * wrapper cannot see (a {@code COMMIT} sent as SQL text, DDL that commits implicitly).
 *
 * <p>Once a check fails, whatever the error, the transaction is poisoned: every later statement
 * fails fast, {@code commit}, switching auto-commit on and {@code setTransactionIsolation} roll back
 * and throw, and a JTA transaction is marked rollback-only.
 *
 * <p>Not thread-safe: use it from one thread at a time, as JDBC drivers expect.
 */
final class FencedConnection extends ConnectionDelegate implements FencingConnection {
    private final GuardStatements guard;
    private final TransactionContext transactions;
    private final List<Lease> ownLeases;
    private final boolean verifyAtCommit;
    private boolean fencedReads;

    // The state of the current transaction, reset when it ends.
    private final Set<Fence> checked = new HashSet<>();
    private final Set<Fence> toVerify = new HashSet<>(); // every fence checked in this transaction
    private SQLException failure; // a failed check: a FenceCheckException, or any error of the guard statements
    private Object transactionKey;

    /** A lease as the check sees it: name, token, mode (a lease converted to another mode is new). */
    private record Fence(String name, long token, LockMode mode) {
        static Fence of(Lease lease) {
            return new Fence(lease.name(), lease.fenceToken().value(), lease.mode());
        }

        /** Returns whether this fence guards a call: NL never; read modes their reads only if fenced. */
        boolean guards(Access access, boolean fencedReads) {
            switch (mode) {
                case NL:
                    return false;
                case CR:
                case PR:
                    return access == Access.WRITE || fencedReads;
                default:
                    return true;
            }
        }
    }

    FencedConnection(
            Connection delegate,
            GuardStatements guard,
            TransactionContext transactions,
            List<Lease> ownLeases,
            boolean verifyAtCommit,
            boolean fencedReads) {
        super(delegate);
        this.guard = guard;
        this.transactions = transactions;
        this.ownLeases = List.copyOf(ownLeases);
        this.verifyAtCommit = verifyAtCommit;
        this.fencedReads = fencedReads;
    }

    @Override
    public void setFencedReads(boolean fencedReads) {
        this.fencedReads = fencedReads;
    }

    @Override
    public boolean getFencedReads() {
        return fencedReads;
    }

    /**
     * Runs the fence check for every lease in effect that guards a call of this kind and that the
     * current transaction has not checked yet. Called by the wrapped objects before each execution or
     * write.
     *
     * <p>An {@link Access#UNKNOWN} call runs with the checks of a read, and {@link #afterExecute}
     * checks as for a write if it wrote; in auto-commit mode nothing can run after it inside its
     * transaction, so it is refused as a write would be.
     *
     * @param access what the call may do
     * @throws FenceCheckException if a check fails now or failed earlier in this transaction
     * @throws SQLException if leases guard the call in auto-commit mode, or the check cannot run
     */
    void beforeExecute(Access access) throws SQLException {
        followTransaction();
        if (failure != null) {
            throw repeat(failure);
        }
        transactions.requireVisibleLeases();
        List<Lease> bound = BoundLeases.current();
        Collection<Lease> published = transactionKey == null ? List.of() : transactions.leases();
        if (ownLeases.isEmpty() && bound.isEmpty() && published.isEmpty()) {
            return; // the common unguarded case allocates nothing
        }
        Map<Fence, Lease> pending = new LinkedHashMap<>();
        addUnchecked(pending, ownLeases);
        addUnchecked(pending, bound);
        addUnchecked(pending, published);
        pending.keySet().removeIf(fence -> !fence.guards(Access.WRITE, fencedReads));
        if (pending.isEmpty()) {
            return;
        }
        if (access != Access.WRITE) {
            if (access == Access.UNKNOWN && delegate.getAutoCommit()) {
                throw autoCommitRefused(pending.values());
            }
            pending.keySet().removeIf(fence -> !fence.guards(access, fencedReads));
            if (pending.isEmpty()) {
                return;
            }
        }
        if (delegate.getAutoCommit()) {
            throw autoCommitRefused(pending.values());
        }
        List<Fence> fences = new ArrayList<>(pending.keySet());
        check(fences);
        checked.addAll(fences);
        if (verifyAtCommit) { // used only if commit() is called here: local and Spring transactions
            toVerify.addAll(fences);
        }
    }

    /**
     * Called by the wrapped statements after an {@link Access#UNKNOWN} call returned: if it returned
     * an update count, it wrote, and the leases that guard writes only are checked now, still inside
     * its transaction and before the call returns, so a stale holder's write cannot commit.
     *
     * @param returnedResultSet what {@code execute} returned
     * @throws FenceCheckException if a check fails
     * @throws SQLException if the check cannot run
     */
    void afterExecute(boolean returnedResultSet) throws SQLException {
        if (!returnedResultSet) {
            beforeExecute(Access.WRITE);
        }
    }

    /** Runs the guard statements for the fences in name order; a failure poisons the transaction. */
    private void check(List<Fence> fences) throws SQLException {
        fences.sort(
                Comparator.comparing(Fence::name).thenComparing(Fence::token).thenComparing(Fence::mode));
        for (Fence fence : fences) {
            try {
                guard.check(delegate, fence.name(), FenceToken.of(fence.token()), fence.mode());
            } catch (SQLException e) {
                // Whatever the guard statements failed with, this transaction is not known to be fenced.
                fail(e);
                throw e;
            }
        }
    }

    /**
     * Called by the wrapped objects when a driver method threw an {@link SQLException}: the database
     * may have ended the transaction with it (a deadlock victim, a serialization failure, a lock-wait
     * timeout with rollback, a lost connection), releasing the guard rows. The next statement checks
     * again; if the transaction is still open and ours, that costs one guard {@code UPDATE} per lease.
     */
    void afterFailure() {
        checked.clear();
    }

    private void addUnchecked(Map<Fence, Lease> pending, Collection<Lease> leases) {
        for (Lease lease : leases) {
            Fence fence = Fence.of(lease);
            if (!checked.contains(fence)) {
                pending.putIfAbsent(fence, lease);
            }
        }
    }

    /** Starts over when the JTA transaction of the calling thread is not the one the state is about. */
    private void followTransaction() {
        Object key = transactions.currentKey();
        if (!Objects.equals(key, transactionKey)) {
            endTransaction();
            transactionKey = key;
        }
    }

    private void endTransaction() {
        checked.clear();
        toVerify.clear();
        failure = null;
    }

    private void fail(SQLException e) {
        failure = e;
        try {
            transactions.setRollbackOnly();
        } catch (RuntimeException rollbackOnlyFailed) {
            e.addSuppressed(rollbackOnlyFailed);
        }
    }

    private static SQLException repeat(SQLException first) {
        String message = "An earlier fence check of this transaction failed; roll back. " + first.getMessage();
        if (first instanceof StaleFenceTokenException) {
            StaleFenceTokenException stale = (StaleFenceTokenException) first;
            return new StaleFenceTokenException(
                    message,
                    stale.lockName(),
                    stale.fenceToken(),
                    stale.lockMode(),
                    stale.observedToken(),
                    stale.observedMode(),
                    first);
        }
        if (first instanceof FenceCheckException) {
            FenceCheckException conflict = (FenceCheckException) first;
            return new FenceConflictException(message, conflict.lockName(), conflict.fenceToken(), first);
        }
        return new SQLException(message, first.getSQLState(), first.getErrorCode(), first);
    }

    private static SQLException autoCommitRefused(Collection<Lease> leases) {
        StringBuilder names = new StringBuilder();
        for (Lease lease : leases) {
            names.append(names.length() == 0 ? "" : ", ")
                    .append('\'')
                    .append(lease.name())
                    .append("' (token ")
                    .append(lease.fenceToken())
                    .append(')');
        }
        return new SQLException(
                "Auto-commit is on, but lease(s) " + names + " guard this connection: the fence check and the"
                        + " statements it guards must share one transaction. Call setAutoCommit(false) and commit(),"
                        + " use Jdbi's inTransaction/useTransaction, or run inside a JTA transaction.",
                "25000");
    }

    // Transaction boundaries. Ordering hazard: the state is reset in finally blocks, because a failed
    // commit or rollback has ended the database transaction as well.

    @Override
    public void commit() throws SQLException {
        followTransaction();
        verifyBeforeCommit();
        try {
            delegate.commit();
        } finally {
            endTransaction();
        }
    }

    /**
     * Refuses the commit of a poisoned transaction, and re-runs the guard update of every fence this
     * transaction checked: if the transaction ended behind the wrapper's back (COMMIT or DDL sent as
     * SQL text, ROLLBACK TO SAVEPOINT as text, anything unforeseen), a newer holder may have written
     * since the first check. Either failure rolls back.
     */
    private void verifyBeforeCommit() throws SQLException {
        if (failure == null && !toVerify.isEmpty()) {
            try {
                check(unsuperseded(toVerify));
            } catch (SQLException e) {
                // check() poisoned the transaction: rolled back and refused below
            }
        }
        if (failure != null) {
            throw rollbackRefused();
        }
    }

    /**
     * Returns the fences not superseded within the transaction: once the transaction checked a newer
     * fence of the same name in an incompatible mode (two leases, one superseded), the older one would
     * now read as stale.
     */
    private static List<Fence> unsuperseded(Set<Fence> fences) {
        List<Fence> current = new ArrayList<>();
        for (Fence fence : fences) {
            boolean superseded = false;
            for (Fence other : fences) {
                superseded |= other.name().equals(fence.name())
                        && other.token() > fence.token()
                        && !other.mode().isCompatibleWith(fence.mode());
            }
            if (!superseded) {
                current.add(fence);
            }
        }
        return current;
    }

    @Override
    public void rollback() throws SQLException {
        try {
            delegate.rollback();
        } finally {
            endTransaction();
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        try {
            delegate.rollback(savepoint);
        } finally {
            checked.clear();
        }
    }

    /**
     * Changes the isolation level. Some databases (H2) commit the open transaction here, even for the
     * same level: a poisoned transaction is rolled back and refused as by {@link #commit()}, and the
     * next statement is checked again.
     */
    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        followTransaction();
        if (failure != null && transactionKey == null && !delegate.getAutoCommit()) {
            throw rollbackRefused();
        }
        try {
            delegate.setTransactionIsolation(level);
        } finally {
            checked.clear();
        }
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        followTransaction();
        boolean changes = delegate.getAutoCommit() != autoCommit;
        if (changes && autoCommit) {
            // Switching auto-commit on commits the open transaction: verify or refuse as commit() does.
            try {
                verifyBeforeCommit();
            } catch (SQLException refused) {
                delegate.setAutoCommit(true);
                throw refused;
            }
        }
        delegate.setAutoCommit(autoCommit);
        if (changes) {
            endTransaction();
        }
    }

    private SQLException rollbackRefused() {
        SQLException refused = repeat(failure);
        try {
            delegate.rollback();
        } catch (SQLException e) {
            refused.addSuppressed(e);
        } finally {
            endTransaction();
        }
        return refused;
    }

    @Override
    public void close() throws SQLException {
        Connection closing = delegate;
        boolean poisoned = failure != null && transactionKey == null;
        delegate = ClosedConnection.INSTANCE;
        endTransaction();
        try {
            if (poisoned && !closing.isClosed() && !closing.getAutoCommit()) {
                closing.rollback();
            }
        } finally {
            closing.close();
        }
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        Connection aborting = delegate;
        delegate = ClosedConnection.INSTANCE;
        endTransaction();
        aborting.abort(executor);
    }

    // Statements, metadata and values: wrapped so that their executions call back into
    // beforeExecute() and whatever leads back to a connection leads to this one.

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return wrapped(delegate.getMetaData());
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return wrapped(delegate.createArrayOf(typeName, elements));
    }

    @Override
    public Blob createBlob() throws SQLException {
        return wrapped(delegate.createBlob());
    }

    @Override
    public Clob createClob() throws SQLException {
        return wrapped(delegate.createClob());
    }

    @Override
    public NClob createNClob() throws SQLException {
        return wrapped(delegate.createNClob());
    }

    private <T> T wrapped(T value) {
        @SuppressWarnings("unchecked") // a proxy of the same JDBC interface
        T wrapped = (T) FencedObjects.wrap(this, value, null);
        return wrapped;
    }

    @Override
    public Statement createStatement() throws SQLException {
        return FencedObjects.statement(this, delegate.createStatement());
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return FencedObjects.statement(this, delegate.createStatement(resultSetType, resultSetConcurrency));
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        return FencedObjects.statement(
                this, delegate.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareStatement(sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareStatement(sql, autoGeneratedKeys));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareStatement(sql, columnIndexes));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareStatement(sql, columnNames));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return FencedObjects.statement(this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency));
    }

    @Override
    public PreparedStatement prepareStatement(
            String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        return FencedObjects.statement(
                this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareCall(sql));
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return FencedObjects.statement(this, delegate.prepareCall(sql, resultSetType, resultSetConcurrency));
    }

    @Override
    public CallableStatement prepareCall(
            String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        return FencedObjects.statement(
                this, delegate.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability));
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "FencedConnection[" + delegate + "]";
    }
}
