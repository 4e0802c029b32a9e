package dev.txlease.spring;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Acquires the lease a {@link Leased} method names around its invocation. The expression and the
 * options of each method are parsed once ({@link #check(Method)}, at bean creation) and cached.
 *
 * <p>Thread-safe.
 */
public final class LeasedMethodInterceptor implements MethodInterceptor {
    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();
    private static final Pattern POSITIONAL = Pattern.compile("[ap](\\d+)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final Supplier<LeaseClient> leaseClient;
    private final Map<Method, LeasedMethod> methods = new ConcurrentHashMap<>();

    /** What one {@code @Leased} method needs, parsed. */
    private record LeasedMethod(Expression lockName, AcquireOptions options, int leaseParameter) {}

    /**
     * Creates the interceptor.
     *
     * @param leaseClient supplies the client that acquires the leases (looked up on first use)
     */
    public LeasedMethodInterceptor(Supplier<LeaseClient> leaseClient) {
        this.leaseClient = Objects.requireNonNull(leaseClient, "leaseClient must not be null");
    }

    /**
     * Parses and checks the {@link Leased} annotation of a method, if it has one.
     *
     * @param method the method
     * @throws IllegalStateException naming the method, if the expression or an option is invalid
     */
    public void check(Method method) {
        Method specific = BridgeMethodResolver.findBridgedMethod(method);
        Leased leased = AnnotatedElementUtils.findMergedAnnotation(specific, Leased.class);
        if (leased != null) {
            methods.computeIfAbsent(specific, key -> parse(key, leased));
        }
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Method method = invocation.getMethod();
        if (target != null) {
            method = AopUtils.getMostSpecificMethod(method, target.getClass());
        }
        Method specific = BridgeMethodResolver.findBridgedMethod(method);
        Leased leased = AnnotatedElementUtils.findMergedAnnotation(specific, Leased.class);
        if (leased == null) {
            return invocation.proceed();
        }
        LeasedMethod parsed = methods.computeIfAbsent(specific, key -> parse(key, leased));
        Object[] arguments = invocation.getArguments();
        String name = lockName(parsed, specific, target, arguments, leased);
        Lease lease = leaseClient.get().acquire(name, parsed.options());
        try {
            if (parsed.leaseParameter() >= 0) {
                arguments[parsed.leaseParameter()] = lease;
            }
            return invocation.proceed();
        } finally {
            lease.close(); // inside a transaction: released when it completes
        }
    }

    private static String lockName(
            LeasedMethod parsed, Method method, Object target, Object[] arguments, Leased leased) {
        MethodBasedEvaluationContext context =
                new MethodBasedEvaluationContext(target, method, arguments, PARAMETER_NAMES);
        Object name = parsed.lockName().getValue(context);
        if (name == null) {
            throw new IllegalArgumentException("@Leased(\"" + leased.value() + "\") on " + describe(method)
                    + " evaluated to null: the lock name must not be null");
        }
        return name.toString();
    }

    private static LeasedMethod parse(Method method, Leased leased) {
        Expression expression;
        try {
            expression = PARSER.parseExpression(leased.value());
        } catch (ParseException e) {
            throw invalid(method, leased, "the lock name expression does not parse: " + e.getMessage(), e);
        }
        checkVariables(method, leased, expression);
        AcquireOptions options;
        try {
            AcquireOptions.Builder builder = AcquireOptions.builder().mode(leased.mode());
            if (!leased.leaseDuration().isEmpty()) {
                builder.leaseDuration(duration(leased.leaseDuration(), "leaseDuration"));
            }
            if (!leased.waitTimeout().isEmpty()) {
                builder.waitTimeout(duration(leased.waitTimeout(), "waitTimeout"));
            }
            if (!leased.heartbeatPeriod().isEmpty()) {
                builder.heartbeatPeriod(duration(leased.heartbeatPeriod(), "heartbeatPeriod"));
            }
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw invalid(method, leased, e.getMessage(), e);
        }
        int leaseParameter = -1;
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == Lease.class) {
                if (leaseParameter >= 0) {
                    throw invalid(method, leased, "it has more than one Lease parameter", null);
                }
                leaseParameter = i;
            }
        }
        return new LeasedMethod(expression, options, leaseParameter);
    }

    /** Every {@code #variable} must name a parameter (or be #root, #this, #pN, #aN in range). */
    private static void checkVariables(Method method, Leased leased, Expression expression) {
        if (!(expression instanceof SpelExpression)) {
            return;
        }
        String[] names = PARAMETER_NAMES.getParameterNames(method);
        List<String> known = names == null ? List.of() : List.of(names);
        List<String> variables = new ArrayList<>();
        collectVariables(((SpelExpression) expression).getAST(), variables);
        for (String variable : variables) {
            Matcher positional = POSITIONAL.matcher(variable);
            boolean ok = known.contains(variable)
                    || variable.equals("root")
                    || variable.equals("this")
                    || (positional.matches() && Integer.parseInt(positional.group(1)) < method.getParameterCount());
            if (!ok) {
                String hint = names == null
                        ? "the parameter names are not available (compile with -parameters) or use #p0, #p1, ..."
                        : "the parameters are " + known + " (or #p0 .. #p" + (method.getParameterCount() - 1) + ")";
                throw invalid(method, leased, "#" + variable + " is not a parameter of the method; " + hint, null);
            }
        }
    }

    private static void collectVariables(SpelNode node, List<String> variables) {
        if (node instanceof VariableReference) {
            variables.add(node.toStringAST().substring(1)); // "#name"
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            collectVariables(node.getChild(i), variables);
        }
    }

    static Duration duration(String text, String attribute) {
        String trimmed = text.trim();
        try {
            if (trimmed.startsWith("P") || trimmed.startsWith("p")) {
                return Duration.parse(trimmed);
            }
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(attribute + " '" + text + "' is not a duration", e);
        }
        Matcher matcher = DURATION.matcher(trimmed);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(attribute + " '" + text
                    + "' is not a duration: use ISO-8601 (PT10S) or a number with ms, s, m, h or d (10s)");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private static IllegalStateException invalid(Method method, Leased leased, String problem, Throwable cause) {
        return new IllegalStateException(
                "Invalid @Leased(\"" + leased.value() + "\") on " + describe(method) + ": " + problem, cause);
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "()";
    }
}
