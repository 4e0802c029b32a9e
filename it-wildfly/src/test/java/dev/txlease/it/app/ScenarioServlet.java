package dev.txlease.it.app;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

/** The test's door into the server: {@code GET /scenario?op=...}, answers as plain text. */
@WebServlet("/scenario")
public class ScenarioServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Inject
    Scenarios scenarios;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String lock = request.getParameter("lock");
        String database = param(request, "db", "h2");
        String answer;
        try {
            answer = switch (request.getParameter("op")) {
                case "setup" -> {
                    scenarios.setUp(database);
                    yield "ok";
                }
                case "write" -> scenarios.write(
                        database,
                        lock,
                        request.getParameter("holder"),
                        Duration.ofMillis(Long.parseLong(param(request, "leaseMs", "10000"))),
                        param(request, "probe", "none"),
                        Boolean.parseBoolean(param(request, "fail", "false")));
                case "stale" -> scenarios.staleWrite(
                        database, lock, Duration.ofMillis(Long.parseLong(param(request, "leaseMs", "1500"))));
                case "awaitStale" -> String.valueOf(scenarios.awaitStaleAcquired(lock));
                case "resumeStale" -> {
                    scenarios.resumeStale(lock);
                    yield "ok";
                }
                case "writeTwo" -> scenarios.writeTwo(lock, request.getParameter("other"));
                case "inspect" -> scenarios.inspect(lock);
                case "account" -> scenarios.account(database, lock);
                case "probe" -> ProbeLog.calls(lock);
                default -> throw new IllegalArgumentException("unknown op");
            };
        } catch (Exception e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            answer = "failed: " + trace;
        }
        response.setContentType("text/plain");
        response.getWriter().print(answer);
    }

    private static String param(HttpServletRequest request, String name, String fallback) {
        String value = request.getParameter(name);
        return value == null ? fallback : value;
    }
}
