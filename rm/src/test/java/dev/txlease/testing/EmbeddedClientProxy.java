package dev.txlease.testing;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * Wraps the embedded DynamoDB Local client, which has no SDK pipeline (no retries, no timeouts), so
 * that a {@link RequestCounter} and a {@link FaultInjector} see its calls as the {@link
 * HttpFaultProxy} sees an SDK client's attempts; a lost connection is an {@link SdkClientException}
 * caused by an {@link IOException}. Overloads that take a request builder consumer
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
            return send(operation, method, args);
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        return call(method, args);
    }

    private Object send(String operation, Method method, Object[] args) throws Throwable {
        FaultInjector.Fault fault = faults.next(operation);
        switch (fault.action()) {
            case FAIL_REQUEST -> throw fault("FaultInjector failed " + operation + " before sending it");
            case DROP_RESPONSE -> {
                counted(operation, method, args);
                throw fault("FaultInjector dropped the response of " + operation + " after it took effect");
            }
            case DELAY_REQUEST -> {
                fault.gate().arrive();
                Thread late = new Thread(
                        () -> {
                            fault.gate().awaitOpen();
                            try {
                                counted(operation, method, args);
                            } catch (Throwable ignored) {
                                // nobody reads the answer of a late request
                            }
                            fault.gate().pass();
                        },
                        "txlease-test-late-" + operation);
                late.setDaemon(true);
                late.start();
                throw fault("FaultInjector delayed " + operation + "; it lands when its gate opens");
            }
            case HOLD_REQUEST -> {
                fault.gate().arrive();
                fault.gate().awaitOpen();
                try {
                    return counted(operation, method, args);
                } finally {
                    fault.gate().pass();
                }
            }
            case HOLD_RESPONSE -> {
                Object response = counted(operation, method, args);
                fault.gate().arrive();
                fault.gate().awaitOpen();
                fault.gate().pass();
                return response;
            }
            default -> {
                return counted(operation, method, args);
            }
        }
    }

    private Object counted(String operation, Method method, Object[] args) throws Throwable {
        try {
            return call(method, args);
        } finally {
            requests.record(operation); // once it took effect, as over HTTP
        }
    }

    private static SdkClientException fault(String message) {
        return SdkClientException.builder()
                .message(message)
                .cause(new IOException(message))
                .build();
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(embedded, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
