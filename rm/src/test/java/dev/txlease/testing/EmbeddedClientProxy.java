package dev.txlease.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * Wraps the embedded DynamoDB Local client, which has no SDK pipeline and so runs no {@code
 * ExecutionInterceptor}s, so that a {@link RequestCounter} and a {@link FaultInjector} see its
 * calls as they would see an SDK client's attempts. Overloads that take a request builder consumer
 * run their default bodies, which call back through the wrapper.
 *
 * <p>Thread-safe if the wrapped client is.
 */
final class EmbeddedClientProxy implements InvocationHandler {
    private final DynamoDbClient embedded;
    private final DynamoDbServiceClientConfiguration configuration;
    private final RequestCounter requests;
    private final FaultInjector faults;

    private EmbeddedClientProxy(
            DynamoDbClient embedded,
            DynamoDbServiceClientConfiguration configuration,
            RequestCounter requests,
            FaultInjector faults) {
        this.embedded = embedded;
        this.configuration = configuration;
        this.requests = requests;
        this.faults = faults;
    }

    /**
     * Returns a client that counts and injects faults into the calls to {@code embedded}, reports
     * {@code configuration}, and does not close {@code embedded}.
     */
    static DynamoDbClient wrap(
            DynamoDbClient embedded,
            DynamoDbServiceClientConfiguration configuration,
            RequestCounter requests,
            FaultInjector faults) {
        return (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class},
                new EmbeddedClientProxy(embedded, configuration, requests, faults));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "EmbeddedDynamoDbClient[" + configuration.endpointOverride() + "]";
            };
        }
        if (method.getName().equals("serviceClientConfiguration")) {
            return configuration;
        }
        if (method.getName().equals("close")) {
            return null; // DynamoDbLocal owns the embedded instance
        }
        if (args != null && args.length == 1 && args[0] instanceof DynamoDbRequest) {
            String operation = Character.toUpperCase(method.getName().charAt(0))
                    + method.getName().substring(1);
            faults.beforeSend(operation);
            requests.record(operation);
            Object response = call(method, args);
            faults.afterSend(operation);
            return response;
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        return call(method, args);
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(embedded, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
