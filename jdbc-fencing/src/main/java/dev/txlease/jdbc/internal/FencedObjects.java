package dev.txlease.jdbc.internal;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Wrapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every JDBC object a {@link FencedConnection} hands out besides itself: statements, result sets,
 * database metadata, and the array and LOB values they return. Each is a JDK dynamic proxy over the
 * driver's object, and this one handler applies the same rules to every method of every interface,
 * so no path can be forgotten (the hand-written forwarders it replaced missed the metadata and
 * updatable result sets):
 *
 * <ul>
 *   <li>a method that runs SQL or writes ({@code Statement.execute*}, {@code ResultSet.insertRow},
 *       {@code updateRow}, {@code deleteRow}, the setters and {@code truncate} of LOBs, {@code
 *       Ref.setObject}) runs the connection's fence check first, told whether it reads ({@code
 *       executeQuery}), may do either ({@code execute}: then checked again after it if it returned
 *       an update count) or writes (the rest, and every execution of a {@code CallableStatement});
 *       see {@link Access};
 *   <li>{@code getConnection()} returns the fenced connection, and so does any method whose result
 *       is a {@code Connection};
 *   <li>a result that can lead to a connection (statement, result set, metadata, array, LOB, ref) is
 *       wrapped in turn; a result set's {@code getStatement()} returns the proxy that created it;
 *   <li>an {@code SQLException} from any method tells the connection, which then forgets what this
 *       transaction checked: the database may have ended the transaction (deadlock victim,
 *       serialization failure, lock-wait timeout with rollback, lost connection);
 *   <li>{@code unwrap} and {@code isWrapperFor} answer for the proxy first, then for the driver; a
 *       proxy passed back as an argument reaches the driver as the driver's own object.
 * </ul>
 *
 * <p>All state and checks stay in the connection (HikariCP's rule); the handler only routes. The
 * route of each interface method is computed once. Default methods of the interfaces reach the
 * driver's implementation. Thread-safety: a handler is as thread-safe as the object it wraps; the
 * route cache is concurrent.
 */
final class FencedObjects implements InvocationHandler {
    /** What the handler does with a method. */
    private enum Kind {
        PLAIN,
        CHECKED,
        QUERY,
        EXECUTE,
        CONNECTION,
        STATEMENT,
        UNWRAP,
        IS_WRAPPER_FOR,
        DELEGATE,
        EQUALS,
        HASH_CODE,
        TO_STRING
    }

    /**
     * How to handle a method: its kind, whether its result may need wrapping, and whether a proxy
     * may be among its arguments (looking costs: an interface {@code instanceof} per argument).
     */
    private record Route(Kind kind, boolean wrapsResult, boolean unwrapsArguments) {
        Route(Kind kind) {
            this(kind, false, false);
        }
    }

    /** Implemented by every proxy, so that the driver gets its own object back as an argument. */
    interface Fenced {
        /** Returns the driver's object behind the proxy. */
        Object fencedDelegate();
    }

    /** The types whose instances can lead back to a connection, or write. */
    private static final List<Class<?>> WRAPPED = List.of(
            Connection.class,
            Statement.class,
            ResultSet.class,
            DatabaseMetaData.class,
            Array.class,
            Blob.class,
            Clob.class,
            Ref.class);

    private static final Map<Method, Route> ROUTES = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Constructor<?>> PROXIES = new ConcurrentHashMap<>();

    private final FencedConnection connection;
    private final Object delegate;
    private final Object owner;

    private FencedObjects(FencedConnection connection, Object delegate, Object owner) {
        this.connection = connection;
        this.delegate = delegate;
        this.owner = owner;
    }

    /** Wraps a statement the driver created for the connection. */
    static <S extends Statement> S statement(FencedConnection connection, S statement) {
        @SuppressWarnings("unchecked") // the proxy implements the most specific statement interface of S
        S wrapped = (S) wrap(connection, statement, null);
        return wrapped;
    }

    /**
     * Wraps whatever a driver's method returned: the fenced connection for a connection, a proxy for
     * a JDBC object that can lead to one or write, the value itself otherwise.
     *
     * @param owner the statement proxy a result set came from, or {@code null}
     */
    static Object wrap(FencedConnection connection, Object value, Object owner) {
        if (value == null || value instanceof Fenced) {
            return value;
        }
        if (value instanceof Connection) {
            return connection;
        }
        Class<?> type = proxiedInterface(value);
        if (type == null) {
            return value;
        }
        try {
            return constructor(type).newInstance(new FencedObjects(connection, value, owner));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot wrap " + value.getClass().getName() + " as " + type.getName(), e);
        }
    }

    private static Class<?> proxiedInterface(Object value) {
        if (value instanceof ResultSet) {
            return ResultSet.class;
        }
        if (value instanceof CallableStatement) {
            return CallableStatement.class;
        }
        if (value instanceof PreparedStatement) {
            return PreparedStatement.class;
        }
        if (value instanceof Statement) {
            return Statement.class;
        }
        if (value instanceof DatabaseMetaData) {
            return DatabaseMetaData.class;
        }
        if (value instanceof NClob) {
            return NClob.class;
        }
        if (value instanceof Clob) {
            return Clob.class;
        }
        if (value instanceof Blob) {
            return Blob.class;
        }
        if (value instanceof Array) {
            return Array.class;
        }
        if (value instanceof Ref) {
            return Ref.class;
        }
        return null;
    }

    private static Constructor<?> constructor(Class<?> type) {
        return PROXIES.computeIfAbsent(type, key -> {
            Class<?> proxyClass = Proxy.newProxyInstance(
                            FencedObjects.class.getClassLoader(),
                            new Class<?>[] {key, Fenced.class},
                            (proxy, method, args) -> null)
                    .getClass();
            try {
                return proxyClass.getConstructor(InvocationHandler.class);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("no proxy constructor for " + key.getName(), e);
            }
        });
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Route route = ROUTES.get(method);
        if (route == null) {
            route = ROUTES.computeIfAbsent(method, FencedObjects::route);
        }
        switch (route.kind()) {
            case CONNECTION:
                return connection;
            case STATEMENT:
                return statementOf(call(method, args, false));
            case UNWRAP:
                return ((Class<?>) args[0]).isInstance(proxy) ? proxy : ((Wrapper) delegate).unwrap((Class<?>) args[0]);
            case IS_WRAPPER_FOR:
                return ((Class<?>) args[0]).isInstance(proxy) || ((Wrapper) delegate).isWrapperFor((Class<?>) args[0]);
            case DELEGATE:
                return delegate;
            case EQUALS:
                return proxy == args[0];
            case HASH_CODE:
                return System.identityHashCode(proxy);
            case TO_STRING:
                return "Fenced[" + delegate + "]";
            case CHECKED:
            case QUERY:
            case EXECUTE:
                return checked(proxy, method, args, route);
            default:
                break;
        }
        Object result = call(method, args, route.unwrapsArguments());
        return route.wrapsResult() ? wrap(connection, result, delegate instanceof Statement ? proxy : null) : result;
    }

    /**
     * Runs a method that runs SQL or writes, with the connection's checks before it (and, for an
     * {@code execute} that returned an update count, after it). A {@code CallableStatement}'s
     * executions all count as writes: a procedure may write whatever it returns.
     */
    private Object checked(Object proxy, Method method, Object[] args, Route route) throws Throwable {
        Access access =
                route.kind() == Kind.QUERY ? Access.READ : route.kind() == Kind.EXECUTE ? Access.UNKNOWN : Access.WRITE;
        if (delegate instanceof CallableStatement) {
            access = Access.WRITE;
        }
        try {
            connection.beforeExecute(access);
        } catch (SQLException e) {
            connection.afterFailure();
            throw e;
        }
        Object result = call(method, args, route.unwrapsArguments());
        if (access == Access.UNKNOWN) {
            try {
                connection.afterExecute(Boolean.TRUE.equals(result));
            } catch (SQLException e) {
                connection.afterFailure();
                throw e;
            }
        }
        return route.wrapsResult() ? wrap(connection, result, delegate instanceof Statement ? proxy : null) : result;
    }

    private Object statementOf(Object statement) {
        if (owner != null && statement == ((Fenced) owner).fencedDelegate()) {
            return owner;
        }
        return wrap(connection, statement, null);
    }

    private Object call(Method method, Object[] args, boolean unwrapsArguments) throws Throwable {
        if (unwrapsArguments) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof Fenced) {
                    args[i] = ((Fenced) args[i]).fencedDelegate();
                }
            }
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException) {
                connection.afterFailure();
            }
            throw cause;
        }
    }

    private static Route route(Method method) {
        String name = method.getName();
        Class<?> declaring = method.getDeclaringClass();
        int arity = method.getParameterCount();
        if (declaring == Object.class) {
            switch (name) {
                case "equals":
                    return new Route(Kind.EQUALS);
                case "hashCode":
                    return new Route(Kind.HASH_CODE);
                default:
                    return new Route(Kind.TO_STRING);
            }
        }
        if (declaring == Fenced.class) {
            return new Route(Kind.DELEGATE);
        }
        if (declaring == Wrapper.class) {
            return new Route(name.equals("unwrap") ? Kind.UNWRAP : Kind.IS_WRAPPER_FOR);
        }
        if (name.equals("getConnection") && arity == 0) {
            return new Route(Kind.CONNECTION);
        }
        if (name.equals("getStatement") && arity == 0 && declaring == ResultSet.class) {
            return new Route(Kind.STATEMENT);
        }
        boolean unwrapsArguments = false;
        for (Class<?> parameter : method.getParameterTypes()) {
            unwrapsArguments |= isOrMayBeWrapped(parameter);
        }
        return new Route(kind(declaring, name), isOrMayBeWrapped(method.getReturnType()), unwrapsArguments);
    }

    /** Returns how a method is checked: as a read, as a call that may read or write, as a write, or not. */
    private static Kind kind(Class<?> declaring, String name) {
        if (!writes(declaring, name)) {
            return Kind.PLAIN;
        }
        if (name.equals("executeQuery")) {
            return Kind.QUERY;
        }
        return name.equals("execute") ? Kind.EXECUTE : Kind.CHECKED;
    }

    /** Returns whether the method runs SQL or writes to the database: it is checked (see {@link Access}). */
    private static boolean writes(Class<?> declaring, String name) {
        if (Statement.class.isAssignableFrom(declaring)) {
            return name.startsWith("execute");
        }
        if (declaring == ResultSet.class) {
            return name.equals("insertRow") || name.equals("updateRow") || name.equals("deleteRow");
        }
        if (declaring == Blob.class || declaring == Clob.class || declaring == NClob.class) {
            return name.startsWith("set") || name.equals("truncate");
        }
        return declaring == Ref.class && name.equals("setObject");
    }

    /** Returns whether a value of the type may be (or may need to become) a proxy. */
    private static boolean isOrMayBeWrapped(Class<?> type) {
        if (type.isPrimitive() || type == String.class) {
            return false;
        }
        for (Class<?> wrapped : WRAPPED) {
            if (wrapped.isAssignableFrom(type) || type.isAssignableFrom(wrapped)) {
                return true;
            }
        }
        return false;
    }
}
