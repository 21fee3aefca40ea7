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
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management REST API over HTTP: map it at e.g. {@code /sluice/*} next to a {@link SluiceFilter}, whose
 * engine it finds in the servlet context attribute {@value SluiceFilter#SLUICE_ATTRIBUTE}. The calls are those of
 * {@link ManagementService} (README, "Management API"). Answers asynchronously: a change that waits for the cluster
 * holds no container thread. Registered without async support it still works, holding the thread for at most the
 * service's timeout, and says so once at WARN. The body (at most {@code max-body-bytes}) is read on the container
 * thread before the call starts.
 *
 * <p>{@code GET <mapping>/} serves the live dashboard page (without a token: it holds no data and asks for one);
 * {@code GET <mapping>} redirects there.
 *
 * <p>A key is percent-decoded from the path, so a key containing '/' is sent as {@code %2F}. Containers refuse that by
 * default (400 before this servlet runs): Tomcat needs {@code encodedSolidusHandling="passthrough"} on its connector,
 * Jetty a {@code UriCompliance} allowing {@code AMBIGUOUS_PATH_SEPARATOR} and {@code decodeAmbiguousURIs} on the
 * servlet handler (for the filter in front).
 *
 * <p>Init-parameters (unknown ones fail start-up):
 * <ul>
 *   <li>{@code token}: a bearer token that may do everything, named {@code default} in the audit. Else the context
 *       init-parameter {@value #CONTEXT_TOKEN}, else the environment variable {@code SLUICE_TOKEN}.</li>
 *   <li>{@code tokens-file}: a file of named tokens with roles ({@code read} or {@code write}; README, "Management
 *       tokens"), read again within a second of a change. Else the environment variable {@code SLUICE_TOKENS_FILE}.
 *       The environment variable {@code SLUICE_TOKENS} may hold further named tokens in the same form. A bad file or
 *       entry fails start-up. Without any token the API is read-only and says so.</li>
 *   <li>{@code reads-need-token}: {@code true} to require a token of either role for reads too (default
 *       {@code false}).</li>
 *   <li>{@code max-body-bytes}: the largest request body (default 65536).</li>
 * </ul>
 */
public class SluiceManagementServlet extends HttpServlet {
    /** A context-wide way to hand the token over (the sample's launcher uses it). */
    public static final String CONTEXT_TOKEN = "dev.sluice.management.token";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SluiceManagementServlet.class);
    private static final Set<String> PARAMETERS = Set.of("token", "tokens-file", "reads-need-token",
            "max-body-bytes");

    private final transient Function<String, String> environment;
    private transient ManagementSettings settings;
    private transient volatile ManagementService service;
    private transient volatile boolean warnedSync;

    /** As web.xml creates it: the token falls back to the process environment. */
    public SluiceManagementServlet() {
        this(System::getenv);
    }

    /** With another environment (tests). */
    SluiceManagementServlet(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        Set<String> unknown = new TreeSet<>(Collections.list(config.getInitParameterNames()));
        unknown.removeAll(PARAMETERS);
        if (!unknown.isEmpty()) {
            throw refused(config, "unknown init-param " + String.join(", ", unknown) + "; allowed: "
                    + String.join(", ", new TreeSet<>(PARAMETERS)));
        }
        String token = config.getInitParameter("token");
        if (token == null || token.isBlank()) {
            token = config.getServletContext().getInitParameter(CONTEXT_TOKEN);
        }
        if (token == null || token.isBlank()) {
            token = environment.apply("SLUICE_TOKEN");
        }
        String file = config.getInitParameter("tokens-file");
        if (file == null || file.isBlank()) {
            file = environment.apply("SLUICE_TOKENS_FILE");
        }
        ManagementSettings built;
        try {
            built = ManagementSettings.withToken(token).tokens(environment.apply("SLUICE_TOKENS"))
                    .tokensFile(file == null || file.isBlank() ? null : Path.of(file.strip()));
            ManagementService.checkTokens(built);
        } catch (IllegalArgumentException bad) {   // also an InvalidPathException
            throw refused(config, bad.getMessage());
        }
        String reads = config.getInitParameter("reads-need-token");
        if (reads != null) {
            if (!reads.strip().equalsIgnoreCase("true") && !reads.strip().equalsIgnoreCase("false")) {
                throw refused(config, "init-param reads-need-token must be true or false, got '" + reads + "'");
            }
            built = built.readsNeedToken(Boolean.parseBoolean(reads.strip()));
        }
        String maxBody = config.getInitParameter("max-body-bytes");
        if (maxBody != null) {
            try {
                built = built.maxBodyBytes(Integer.parseInt(maxBody.strip()));
            } catch (IllegalArgumentException bad) {
                throw refused(config, "init-param max-body-bytes must be an integer from 1 to "
                        + ManagementSettings.MAX_BODY_BYTES_LIMIT + ", got '" + maxBody + "'");
            }
        }
        this.settings = built;
        if (!built.hasTokens()) {
            LOG.warn("Sluice management API at {} is read-only: no token is configured (init-param token or "
                    + "tokens-file, SLUICE_TOKEN, SLUICE_TOKENS or SLUICE_TOKENS_FILE)", config.getServletName());
        }
    }

    private static ServletException refused(ServletConfig config, String problem) {
        return new ServletException("SluiceManagementServlet '" + config.getServletName() + "' cannot start: "
                + problem);
    }

    /** The service, created on first use: the filter may start after this servlet. */
    private ManagementService service() {
        ManagementService current = service;
        if (current == null) {
            synchronized (this) {
                current = service;
                if (current == null) {
                    Object sluice = getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
                    if (!(sluice instanceof Sluice running)) {
                        return null;
                    }
                    current = new ManagementService(running, settings);
                    service = current;
                }
            }
        }
        return current;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (rawPath(request).isEmpty() && ("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))) {
            // the dashboard is at <mapping>/: its script and style sheet are addressed relative to that
            response.setHeader("Cache-Control", "no-store");
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        ManagementService management;
        try {
            management = service();
        } catch (IllegalArgumentException badTokens) {
            // the tokens file was good at start-up and broke before the first call created the service
            LOG.error("Sluice management API {} cannot start: {}", getServletName(), badTokens.getMessage());
            write(problem(503, "bad-tokens", "The management tokens cannot be read", "The tokens file cannot be "
                    + "read or parsed; see the server log."), response);
            return;
        }
        if (management == null) {
            write(problem(503, "no-engine", "Sluice is not running", "No SluiceFilter has published its engine in "
                    + "this web application (attribute " + SluiceFilter.SLUICE_ATTRIBUTE + ")."), response);
            return;
        }
        int limit = settings.maxBodyBytes();
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(limit + 1);
        }
        boolean tooLarge = body.length > limit;
        String query = request.getQueryString();
        ManagementRequest call = new ManagementRequest(request.getMethod(),
                query == null ? rawPath(request) : rawPath(request) + "?" + query, request::getHeader,
                tooLarge ? new byte[0] : body, tooLarge, request.getRemoteAddr(),
                request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName());
        CompletableFuture<ManagementResponse> answer = management.handle(call);
        if (answer.isDone() || !request.isAsyncSupported()) {
            if (!answer.isDone() && !warnedSync) {
                warnedSync = true;
                LOG.warn("SluiceManagementServlet {} is not async-supported: a call that waits for the cluster holds "
                        + "a container thread (add <async-supported>true</async-supported> to its registration)",
                        getServletName());
            }
            write(settle(answer), response);
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        answer.whenComplete((done, failure) -> {
            try {
                write(done, (HttpServletResponse) async.getResponse());
            } catch (IOException | RuntimeException writeFailed) {
                LOG.debug("Could not write a management answer: {}", writeFailed.toString());
            } finally {
                async.complete();
            }
        });
    }

    /**
     * The answer of a call served without async: the service completes every call within its timeout, so the wait
     * is bounded by that.
     */
    private ManagementResponse settle(CompletableFuture<ManagementResponse> answer) {
        try {
            return answer.get(settings.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return problem(503, "interrupted", "Interrupted", "The server is stopping.");
        } catch (ExecutionException | TimeoutException impossible) {
            LOG.error("Sluice management call did not complete as the service promises", impossible);
            return problem(500, "internal", "Internal error", "The call failed; see the server log.");
        }
    }

    private static ManagementResponse problem(int status, String type, String title, String detail) {
        String body = "{\"type\":\"urn:sluice:problem:management:" + type + "\",\"title\":\"" + title
                + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
        return new ManagementResponse(status, ManagementResponse.PROBLEM, Map.of(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The path below this servlet's mapping, still percent-encoded, so that keys may contain '/' as %2F. Taken from
     * the request URI and the mapping's pattern rather than the servlet path, which containers refuse to give for a
     * URI with an encoded '/'.
     */
    private static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        HttpServletMapping mapping = request.getHttpServletMapping();
        if (mapping != null && mapping.getMappingMatch() == MappingMatch.PATH && mapping.getPattern().endsWith("/*")) {
            String pattern = mapping.getPattern();
            String prefix = request.getContextPath() + pattern.substring(0, pattern.length() - 2);
            if (uri.startsWith(prefix) && (uri.length() == prefix.length() || uri.charAt(prefix.length()) == '/')) {
                return uri.substring(prefix.length());
            }
        }
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
