package dev.txlease.jdbc.internal;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The stand-in a {@link FencedConnection} swaps in for its delegate on close, as HikariCP does: no
 * method then needs an {@code if (closed)} test. Closing and aborting again do nothing, {@code
 * isClosed()} is true, {@code isValid} false, and everything else throws SQLState {@code 08003}
 * (connection does not exist).
 *
 * <p>A dynamic proxy keeps this to one method; it is never on a hot path. Thread-safe: stateless.
 */
final class ClosedConnection {
    static final Connection INSTANCE = (Connection) Proxy.newProxyInstance(
            ClosedConnection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "close":
                    case "abort":
                        return null;
                    case "isClosed":
                        return true;
                    case "isValid":
                        return false;
                    case "toString":
                        return "closed connection";
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        throw new SQLException("Connection is closed", "08003");
                }
            });

    private ClosedConnection() {}
}
