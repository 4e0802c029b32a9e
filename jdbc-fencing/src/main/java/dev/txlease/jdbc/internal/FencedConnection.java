package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.jdbc.FenceCheckException;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.sql.CallableStatement;
import java.sql.Connection;
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
 * the transaction's statements run. All fencing state and logic live here; statements call back
 * into {@link #beforeExecute()}.
 *
 * <p>The leases in effect are the union of those given when the connection was opened, those bound
 * to the executing thread by a {@code LeaseBinding}, and those the current JTA transaction
 * published. Each {@code (name, token)} is checked once per database transaction, on the raw
 * connection (so the check does not recurse), in name order (so two transactions with the same
 * leases lock their guard rows in the same order). Leases acquired in mid-transaction are checked
 * before the next statement.
 *
 * <p>Transaction boundaries: locally, {@code commit}, {@code rollback} and a change of auto-commit
 * end the transaction; under JTA the transaction key of the registry does. Once a check fails, the
 * transaction is poisoned: every later statement fails fast, {@code commit} rolls back and throws,
 * switching auto-commit on rolls back and throws, and a JTA transaction is marked rollback-only.
 * {@code rollback(Savepoint)} forgets what was checked (the guard rows may have been rolled back
 * with it) but keeps a failure.
 *
 * <p>Not thread-safe: use it from one thread at a time, as JDBC drivers expect.
 */
final class FencedConnection extends ConnectionDelegate {
    private final GuardStatements guard;
    private final TransactionContext transactions;
    private final List<Lease> ownLeases;

    // The state of the current transaction, reset when it ends.
    private final Set<Fence> checked = new HashSet<>();
    private FenceCheckException failure;
    private Object transactionKey;

    private record Fence(String name, long token) {
        static Fence of(Lease lease) {
            return new Fence(lease.name(), lease.fenceToken().value());
        }
    }

    FencedConnection(
            Connection delegate, GuardStatements guard, TransactionContext transactions, List<Lease> ownLeases) {
        super(delegate);
        this.guard = guard;
        this.transactions = transactions;
        this.ownLeases = List.copyOf(ownLeases);
    }

    /**
     * Runs the fence check for every lease in effect that the current transaction has not checked
     * yet. Called by the statements before each execution.
     *
     * @throws FenceCheckException if a check fails now or failed earlier in this transaction
     * @throws SQLException if leases are in effect in auto-commit mode, or the check cannot run
     */
    void beforeExecute() throws SQLException {
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
        if (pending.isEmpty()) {
            return;
        }
        if (delegate.getAutoCommit()) {
            throw autoCommitRefused(pending.values());
        }
        List<Map.Entry<Fence, Lease>> ordered = new ArrayList<>(pending.entrySet());
        ordered.sort(Map.Entry.comparingByKey(Comparator.comparing(Fence::name).thenComparing(Fence::token)));
        for (Map.Entry<Fence, Lease> entry : ordered) {
            Fence fence = entry.getKey();
            try {
                guard.check(delegate, fence.name(), FenceToken.of(fence.token()));
            } catch (FenceCheckException e) {
                fail(e);
                throw e;
            }
            checked.add(fence);
        }
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
        failure = null;
    }

    private void fail(FenceCheckException e) {
        failure = e;
        try {
            transactions.setRollbackOnly();
        } catch (RuntimeException rollbackOnlyFailed) {
            e.addSuppressed(rollbackOnlyFailed);
        }
    }

    private static FenceCheckException repeat(FenceCheckException first) {
        String message = "An earlier fence check of this transaction failed; roll back. " + first.getMessage();
        if (first instanceof StaleFenceTokenException) {
            StaleFenceTokenException stale = (StaleFenceTokenException) first;
            return new StaleFenceTokenException(
                    message, stale.lockName(), stale.fenceToken(), stale.observedToken(), first);
        }
        return new FenceConflictException(message, first.lockName(), first.fenceToken(), first);
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
        if (failure != null) {
            throw rollbackRefused();
        }
        try {
            delegate.commit();
        } finally {
            endTransaction();
        }
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
        delegate.rollback(savepoint);
        checked.clear();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        followTransaction();
        boolean changes = delegate.getAutoCommit() != autoCommit;
        if (changes && autoCommit && failure != null) {
            // Switching auto-commit on commits the open transaction: refuse it as commit() does.
            FenceCheckException refused = rollbackRefused();
            delegate.setAutoCommit(true);
            throw refused;
        }
        delegate.setAutoCommit(autoCommit);
        if (changes) {
            endTransaction();
        }
    }

    private FenceCheckException rollbackRefused() {
        FenceCheckException refused = repeat(failure);
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

    // Statements: wrapped so that their executions call back into beforeExecute().

    @Override
    public Statement createStatement() throws SQLException {
        return new FencedStatement<>(this, delegate.createStatement());
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return new FencedStatement<>(this, delegate.createStatement(resultSetType, resultSetConcurrency));
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        return new FencedStatement<>(
                this, delegate.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return new FencedPreparedStatement<>(this, delegate.prepareStatement(sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return new FencedPreparedStatement<>(this, delegate.prepareStatement(sql, autoGeneratedKeys));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return new FencedPreparedStatement<>(this, delegate.prepareStatement(sql, columnIndexes));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return new FencedPreparedStatement<>(this, delegate.prepareStatement(sql, columnNames));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return new FencedPreparedStatement<>(this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency));
    }

    @Override
    public PreparedStatement prepareStatement(
            String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        return new FencedPreparedStatement<>(
                this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return new FencedCallableStatement(this, delegate.prepareCall(sql));
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return new FencedCallableStatement(this, delegate.prepareCall(sql, resultSetType, resultSetConcurrency));
    }

    @Override
    public CallableStatement prepareCall(
            String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        return new FencedCallableStatement(
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
