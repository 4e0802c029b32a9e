package dev.txlease.spring;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** A {@code @Transactional} service that credits account 42 under a lease on its lock. */
public class AccountService {
    private final JdbcTemplate jdbc;

    AccountService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Acquires the lock, lets the test act (pause, close the lease ...), then credits the account.
     *
     * @return the fence token of the lease
     */
    @Transactional
    public long credit(
            LeaseClient leases, String lock, AcquireOptions options, int amount, Consumer<Lease> beforeWrite) {
        Lease lease = leases.acquire(lock, options);
        beforeWrite.accept(lease);
        jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = balance + ? WHERE id = 42", amount);
        return lease.fenceToken().value();
    }

    /** Reads the balance in a transaction of its own. */
    @Transactional(readOnly = true)
    public int balance() {
        return jdbc.queryForObject(
                "SELECT balance FROM " + SpringTestKit.ACCOUNT_TABLE + " WHERE id = 42", Integer.class);
    }

    /** Returns the guard table's token for a lock, or -1 if it has no row. */
    public long guardToken(String lock) {
        return jdbc.query(
                "SELECT token FROM " + SpringTestKit.GUARD_TABLE + " WHERE name = ?",
                rows -> rows.next() ? rows.getLong(1) : -1L,
                lock);
    }
}
