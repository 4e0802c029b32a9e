package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.testing.DynamoDbLocal;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, hole 3 (LOBs): on PostgreSQL a {@code Blob} read from a result set is a large object,
 * and {@code Blob.setBytes} writes to it in the database, without any statement of the
 * application's. The write is checked first.
 */
class PostgresLargeObjectFencingTest {
    private static final String TABLE = "txl_holes_documents";

    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static LeaseHolders holders;

    @BeforeAll
    static void startHolders() {
        holders = new LeaseHolders(DYNAMO.newStore());
    }

    @AfterAll
    static void stopHolders() {
        holders.close();
    }

    @Test
    void aLargeObjectWriteUnderAStaleLeaseIsRefused() throws Exception {
        DataSource raw = Databases.postgres();
        FencedDataSource fenced =
                FencedDataSource.builder(raw).guardTable(FencingContract.GUARD).build();
        fenced.createGuardTable();
        WriteLog.create(raw);
        String name = LeaseHolders.newLockName();
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (name VARCHAR(255) PRIMARY KEY, body OID)");
            statement.execute("INSERT INTO " + TABLE + " VALUES ('" + name + "', lo_from_bytea(0, 'original'))");
        }
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connA = fenced.getConnection()) {
            connA.setAutoCommit(false);
            try (PreparedStatement select = connA.prepareStatement("SELECT body FROM " + TABLE + " WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet rows = select.executeQuery()) { // no lease yet: not checked
                    assertTrue(rows.next());
                    Blob body = rows.getBlob(1);
                    b = holders.takeOver(name, a);
                    try (Connection connB = fenced.getConnection(b)) {
                        connB.setAutoCommit(false);
                        WriteLog.append(connB, b, "B");
                        connB.commit();
                    }
                    try (LeaseBinding binding = LeaseBinding.bind(a)) {
                        byte[] stale = "stale!!!".getBytes(StandardCharsets.UTF_8);
                        assertThrows(StaleFenceTokenException.class, () -> body.setBytes(1, stale));
                    }
                }
            }
            assertThrows(StaleFenceTokenException.class, connA::commit);
        }
        assertEquals(List.of(WriteLog.entry("B", b)), WriteLog.entries(raw, name));
        try (Connection connection = raw.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT lo_get(body) FROM " + TABLE + " WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                assertTrue(rows.next());
                assertArrayEquals("original".getBytes(StandardCharsets.UTF_8), rows.getBytes(1));
            }
        }
    }
}
