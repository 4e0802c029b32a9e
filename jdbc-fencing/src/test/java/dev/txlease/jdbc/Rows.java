package dev.txlease.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** A plain application table of numbered rows, for tests that need row locks of their own. */
final class Rows {
    static final String TABLE = "txl_holes_rows";

    private Rows() {}

    /** Creates the table if absent, with rows {@code 1..count}. */
    static void create(DataSource raw, int count) throws SQLException {
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INT PRIMARY KEY, v BIGINT NOT NULL)");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + TABLE)) {
                rows.next();
                for (int id = rows.getInt(1) + 1; id <= count; id++) {
                    statement.execute("INSERT INTO " + TABLE + " (id, v) VALUES (" + id + ", 0)");
                }
            }
        }
    }

    /** Updates rows {@code from..to} (locking them) and returns how many it updated. */
    static int update(Connection connection, int from, int to) throws SQLException {
        try (PreparedStatement update =
                connection.prepareStatement("UPDATE " + TABLE + " SET v = v + 1 WHERE id BETWEEN ? AND ?")) {
            update.setInt(1, from);
            update.setInt(2, to);
            return update.executeUpdate();
        }
    }
}
