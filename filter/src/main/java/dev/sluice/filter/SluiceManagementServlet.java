package dev.sluice.filter;

import dev.sluice.core.Sluice;
import dev.sluice.core.management.ManagementRequest;
import dev.sluice.core.management.ManagementResponse;
import dev.sluice.core.management.ManagementService;
import dev.sluice.core.management.ManagementSettings;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management REST API over HTTP: map it at e.g. {@code /sluice/*} next to a {@link SluiceFilter}, whose
 * engine it finds in the servlet context attribute {@value SluiceFilter#SLUICE_ATTRIBUTE}. The calls are those of
 * {@link ManagementService} (README, "Management API"). Answers asynchronously: a change that waits for the cluster
 * holds no container thread.
 *
 * <p>Init-parameters (unknown ones fail start-up):
 * <ul>
 *   <li>{@code token}: the bearer token writes need. Else the context init-parameter
 *       {@value #CONTEXT_TOKEN}, else the environment variable {@code SLUICE_TOKEN}. Without any, the API is
 *       read-only and says so.</li>
 *   <li>{@code reads-need-token}: {@code true} to require the token for reads too (default {@code false}).</li>
 *   <li>{@code max-body-bytes}: the largest request body (default 65536).</li>
 * </ul>
 */
public class SluiceManagementServlet extends HttpServlet {
    /** A context-wide way to hand the token over (the sample's launcher uses it). */
    public static final String CONTEXT_TOKEN = "dev.sluice.management.token";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SluiceManagementServlet.class);
    private static final Set<String> PARAMETERS = Set.of("token", "reads-need-token", "max-body-bytes");

    private transient ManagementSettings settings;
    private transient volatile ManagementService service;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        Set<String> unknown = new TreeSet<>(Collections.list(config.getInitParameterNames()));
        unknown.removeAll(PARAMETERS);
        if (!unknown.isEmpty()) {
            throw new ServletException("SluiceManagementServlet: unknown init-param " + unknown + "; allowed: "
                    + new TreeSet<>(PARAMETERS));
        }
        String token = config.getInitParameter("token");
        if (token == null || token.isBlank()) {
            token = config.getServletContext().getInitParameter(CONTEXT_TOKEN);
        }
        if (token == null || token.isBlank()) {
            token = System.getenv("SLUICE_TOKEN");
        }
        ManagementSettings built = ManagementSettings.withToken(token);
        String reads = config.getInitParameter("reads-need-token");
        if (reads != null) {
            if (!reads.strip().equalsIgnoreCase("true") && !reads.strip().equalsIgnoreCase("false")) {
                throw new ServletException("SluiceManagementServlet: init-param reads-need-token must be true or "
                        + "false, got '" + reads + "'");
            }
            built = built.readsNeedToken(Boolean.parseBoolean(reads.strip()));
        }
        String maxBody = config.getInitParameter("max-body-bytes");
        if (maxBody != null) {
            try {
                built = built.maxBodyBytes(Integer.parseInt(maxBody.strip()));
            } catch (IllegalArgumentException bad) {
                throw new ServletException("SluiceManagementServlet: init-param max-body-bytes must be an integer "
                        + "from 1 to 16777216, got '" + maxBody + "'");
            }
        }
        this.settings = built;
        if (built.token() == null) {
            LOG.warn("Sluice management API at {} is read-only: no token is configured (init-param token or "
                    + "SLUICE_TOKEN)", config.getServletName());
        }
    }

    /** The service, created on first use: the filter may start after this servlet. */
    private ManagementService service() {
        ManagementService current = service;
        if (current == null) {
            synchronized (this) {
                current = service;
                if (current == null) {
                    Object sluice = getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
                    if (!(sluice instanceof Sluice engine)) {
                        return null;
                    }
                    current = new ManagementService(engine, settings);
                    service = current;
                }
            }
        }
        return current;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ManagementService management = service();
        if (management == null) {
            response.setStatus(503);
            response.setContentType(ManagementResponse.PROBLEM);
            response.getWriter().write("{\"type\":\"urn:sluice:problem:management:no-engine\",\"title\":"
                    + "\"Sluice is not running\",\"status\":503,\"detail\":\"No SluiceFilter has published its "
                    + "engine in this web application (attribute " + SluiceFilter.SLUICE_ATTRIBUTE + ").\"}");
            return;
        }
        int limit = settings.maxBodyBytes();
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(limit + 1);
        }
        boolean tooLarge = body.length > limit;
        ManagementRequest call = new ManagementRequest(request.getMethod(), rawPath(request), request::getHeader,
                tooLarge ? new byte[0] : body, tooLarge, request.getRemoteAddr());
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        management.handle(call).whenComplete((answer, failure) -> {
            try {
                write(answer, (HttpServletResponse) async.getResponse());
            } catch (IOException | RuntimeException writeFailed) {
                LOG.debug("Could not write a management answer: {}", writeFailed.toString());
            } finally {
                async.complete();
            }
        });
    }

    /** The path below this servlet's mapping, still percent-encoded, so that keys may contain '/' as %2F. */
    private static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String prefix = request.getContextPath() + request.getServletPath();
        if (uri.startsWith(prefix)) {
            return uri.substring(prefix.length());
        }
        String info = request.getPathInfo();
        return info == null ? "/" : info;
    }

    private static void write(ManagementResponse answer, HttpServletResponse response) throws IOException {
        response.setStatus(answer.status());
        for (Map.Entry<String, String> header : answer.headers().entrySet()) {
            response.setHeader(header.getKey(), header.getValue());
        }
        response.setHeader("Cache-Control", "no-store");
        if (answer.contentType() != null) {
            response.setContentType(answer.contentType());
        }
        if (answer.body().length > 0) {
            response.setContentLength(answer.body().length);
            response.getOutputStream().write(answer.body());
        }
    }

    @Override
    public void destroy() {
        ManagementService current = service;
        if (current != null) {
            current.close();
        }
    }
}
