package dev.txlease.examples.spring;

import dev.txlease.Lease;
import dev.txlease.spring.Leased;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Deposits and withdrawals on an account, each under the lease on {@code account-<id>}, in a
 * transaction on the (fenced) DataSource. Thread-safe.
 */
@Service
public class AccountService {
    private final JdbcTemplate jdbc;

    public AccountService(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Deposits {@code amount}; returns the fence token it wrote with. */
    @Leased(value = "'account-' + #accountId", waitTimeout = "10s")
    @Transactional
    public long deposit(long accountId, long amount, Lease lease) {
        jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", amount, accountId);
        return lease.fenceToken().value();
    }

    /**
     * Withdraws {@code amount} after a stall: {@code pause} stands for a GC pause or slow I/O that
     * outlasts the lease (heartbeats off, one-second lease, so another worker can take it over).
     */
    @Leased(value = "'account-' + #accountId", leaseDuration = "1s", heartbeatPeriod = "0s")
    @Transactional
    public long withdrawAfterPause(
            long accountId, long amount, CountDownLatch acquired, CountDownLatch pause, Lease lease)
            throws InterruptedException {
        acquired.countDown();
        if (!pause.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the pause did not end");
        }
        jdbc.update("UPDATE account SET balance = balance - ? WHERE id = ?", amount, accountId);
        return lease.fenceToken().value();
    }

    /** Returns the balance. */
    public long balance(long accountId) {
        return jdbc.queryForObject("SELECT balance FROM account WHERE id = ?", Long.class, accountId);
    }
}
