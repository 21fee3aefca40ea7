package dev.sluice.filter;

import dev.sluice.core.Admission;
import dev.sluice.core.PendingAdmission;
import dev.sluice.core.Sluice;
import dev.sluice.core.spi.Lease;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies Sluice policies to every request it is mapped to: refuses what a limit refuses, before the application
 * sees anything of it; lets the rest through; and makes requests that a queue holds wait without a thread.
 *
 * <p>Register it in {@code web.xml}, async-supported, for the REQUEST and ASYNC dispatchers:
 * <pre>{@code
 * <filter>
 *   <filter-name>sluice</filter-name>
 *   <filter-class>dev.sluice.filter.SluiceFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>config</param-name><param-value>/WEB-INF/sluice.yaml</param-value></init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>sluice</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher>
 *   <dispatcher>ASYNC</dispatcher>
 * </filter-mapping>
 * }</pre>
 * Init-params, each overridden by an environment variable when that is set and not blank; an unknown or malformed
 * one fails start-up with a message naming it:
 * <ul>
 *   <li>{@code config} ({@code SLUICE_CONFIG}): the policy file, YAML or JSON: {@code /WEB-INF/...},
 *       {@code classpath:...} or a file path; default {@code /WEB-INF/sluice.yaml};</li>
 *   <li>{@code trusted-proxies} ({@code SLUICE_TRUSTED_PROXIES}): addresses or CIDR ranges whose
 *       {@code Forwarded} / {@code X-Forwarded-For} headers are believed for the {@code ip} key;</li>
 *   <li>{@code hazelcast} ({@code SLUICE_HAZELCAST}): {@code embedded}, {@code client} or a Hazelcast configuration
 *       file; turns the cluster on (it is also on when a policy has {@code scope: cluster}). The cluster also reads
 *       {@code SLUICE_MEMBERS}, {@code SLUICE_HZ_PORT} and {@code SLUICE_HZ_HOST}.</li>
 *   <li>{@code cluster-timeout} ({@code SLUICE_CLUSTER_TIMEOUT}): the time limit of a cluster call on a request's
 *       path, default {@code 50ms}; {@code cluster-options} ({@code SLUICE_CLUSTER_OPTIONS}): further cluster
 *       options, {@code name=value,...} (circuit breaker, cluster name; see the README).</li>
 *   <li>{@code trace-secret} ({@code SLUICE_TRACE_SECRET}), at least 16 characters, turns the decision trace on: a
 *       request carrying it in {@code trace-header} ({@code SLUICE_TRACE_HEADER}, default {@code Sluice-Trace}) gets
 *       a {@code Sluice-Decision} response header saying how each policy decided
 *       ({@link dev.sluice.core.DecisionTrace}). Off by default.</li>
 * </ul>
 *
 * <p>Per request: the engine decides at once in the common case, and the filter either answers the refusal (status,
 * headers, {@code application/problem+json} body) or adds the rate-limit headers and continues the chain. When the
 * request must wait in a queue, the filter suspends it ({@code startAsync}) and returns its thread to the container;
 * when the engine admits it, the request is re-dispatched and continues the chain from this filter (which
 * recognises it and does not apply the policies again); when refused, it is answered on a container thread. What an
 * admitted request took is released exactly once when its response completes.
 *
 * <p>The {@link Sluice} instance is published as the servlet context attribute {@value #SLUICE_ATTRIBUTE} for the
 * management servlet. Thread-safe once initialised.
 */
public class SluiceFilter implements Filter {
    /** The servlet context attribute holding the {@link Sluice} this filter uses. */
    public static final String SLUICE_ATTRIBUTE = "dev.sluice.core.Sluice";

    /** The request attribute holding a request's {@link Exchange}. */
    static final String EXCHANGE_ATTRIBUTE = SluiceFilter.class.getName() + ".exchange";

    private static final Logger LOG = LoggerFactory.getLogger(SluiceFilter.class);

    private final Sluice supplied;
    private final Function<String, String> environment;
    private final AtomicBoolean warnedAboutAsyncMapping = new AtomicBoolean();
    private final Exchange.Diagnostics diagnostics = this::notInvokedOnAsyncDispatch;
    private volatile FilterStartup started;
    private volatile Sluice sluice;

    /** The filter as {@code web.xml} creates it: configured by its init-params and the environment. */
    public SluiceFilter() {
        this(null, System::getenv);
    }

    /**
     * A filter that uses an existing {@link Sluice}, for applications that build one in code (embedded servers).
     * Such a filter takes no init-params and does not close the instance in {@link #destroy()}.
     */
    public SluiceFilter(Sluice sluice) {
        this(Objects.requireNonNull(sluice, "sluice"), System::getenv);
    }

    /** For tests: a configured filter reading a given environment instead of the process's. */
    SluiceFilter(Function<String, String> environment) {
        this(null, environment);
    }

    private SluiceFilter(Sluice supplied, Function<String, String> environment) {
        this.supplied = supplied;
        this.environment = environment;
    }

    /**
     * Reads the settings and the policy file, connects the cluster when a policy or the {@code hazelcast}
     * init-param asks for it, and builds the engine. Blocks (start-up only).
     *
     * @throws ServletException naming the filter and the bad setting, policy field or missing piece; nothing is left
     *                          running
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        started = FilterStartup.init(config, supplied, environment);
        sluice = started.sluice();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse answer)) {
            chain.doFilter(request, response);
            return;
        }
        Exchange admitted = request.getAttribute(EXCHANGE_ATTRIBUTE) instanceof Exchange seen ? seen : null;
        if (admitted != null && admitted.resumesOn(request)) {
            admitted.proceed(http, answer, chain);   // the re-dispatch of a queued request, now admitted
            return;
        }
        if (admitted != null || request.getDispatcherType() != DispatcherType.REQUEST) {
            // Policies apply once per request, on its own dispatch: a later dispatch of a request already admitted
            // (the application's own forward, include, error or async dispatch), or any such dispatch of a request
            // the filter never saw (or admitted holding nothing), passes through.
            chain.doFilter(request, response);
            return;
        }
        CompletableFuture<Admission> decision = sluice.admit(new ServletRequestView(http));
        if (decision.isDone()) {
            Admission admission = Exchange.now(decision);
            if (!admission.admitted()) {
                admission.release();
                Responses.refuse(answer, admission);
                return;
            }
            Responses.addHeaders(answer, admission.headers());
            if (admission.lease() == Lease.NONE) {
                // admitted holding nothing (rates, quotas, shadow decisions): nothing to give back at the end
                chain.doFilter(request, response);
                return;
            }
            Exchange exchange = Exchange.admitted(admission, diagnostics);
            request.setAttribute(EXCHANGE_ATTRIBUTE, exchange);
            exchange.proceed(http, answer, chain);
            return;
        }
        if (!request.isAsyncSupported()) {
            PendingAdmission.settle(decision);
            throw new ServletException("A request to " + http.getRequestURI() + " must wait in a Sluice queue, but "
                    + "the request is not async-supported: declare <async-supported>true</async-supported> on "
                    + "SluiceFilter and on every filter before it in the chain");
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Exchange exchange = Exchange.waiting(decision, async, diagnostics);
        request.setAttribute(EXCHANGE_ATTRIBUTE, exchange);
        async.addListener(exchange);
        exchange.awaitDecision();
    }

    private void notInvokedOnAsyncDispatch(HttpServletRequest request) {
        if (warnedAboutAsyncMapping.compareAndSet(false, true)) {
            LOG.warn("A queued request to {} was admitted and re-dispatched, but SluiceFilter did not see the ASYNC "
                    + "dispatch, so filters after it were skipped for that request. Map SluiceFilter with "
                    + "<dispatcher>REQUEST</dispatcher><dispatcher>ASYNC</dispatcher>.", request.getRequestURI());
        }
    }

    /** Closes the engine and leaves the cluster, unless the engine was supplied. Waiting requests are admitted. */
    @Override
    public void destroy() {
        FilterStartup running = started;
        if (running != null) {
            running.close();
        }
    }
}
