package dev.sluice.gateway;

import dev.sluice.core.RequestView;
import dev.sluice.core.http.RequestPaths;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpCookie;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * What the engine sees of a gateway request. Reads the request lazily and never its body. Used only during
 * {@code admit}, on the thread that calls it.
 *
 * <p>The principal is passed in, already resolved: the filters resolve {@code exchange.getPrincipal()} reactively
 * before they admit, so nothing here subscribes or blocks.
 */
final class GatewayRequestView implements RequestView {
    private final ServerHttpRequest request;
    private final String principal;

    /** @param principal the authenticated principal's name, or null */
    GatewayRequestView(ServerHttpRequest request, String principal) {
        this.request = request;
        this.principal = principal;
    }

    @Override
    public String method() {
        return request.getMethod().name();
    }

    /**
     * The path within the application as the client sent it (not decoded). When that form is not canonical
     * (percent-escapes, {@code ;} parameters, {@code .} or {@code ..} segments, empty segments), the decoded and
     * normalised path is used instead, the form the gateway's {@code Path} predicate matches: so {@code /ap%69/x} or
     * {@code /x/../api/a} cannot slip past a policy on {@code /api/**} while a route on {@code /api/**} serves it.
     */
    @Override
    public String path() {
        PathContainer within = request.getPath().pathWithinApplication();
        return RequestPaths.matchPath(within.value(), () -> canonical(within));
    }

    /**
     * The decoded segments without path parameters, resolved by {@link RequestPaths#resolve}: empty and {@code .}
     * segments dropped, {@code ..} resolved.
     */
    static String canonical(PathContainer path) {
        List<String> segments = new ArrayList<>();
        boolean trailingSlash = false;
        for (PathContainer.Element element : path.elements()) {
            if (element instanceof PathContainer.PathSegment segment) {
                segments.add(segment.valueToMatch());
                trailingSlash = false;
            } else {
                trailingSlash = true;
            }
        }
        return RequestPaths.resolve(segments, trailingSlash);
    }

    @Override
    public String header(String name) {
        return request.getHeaders().getFirst(name);
    }

    @Override
    public List<String> headers(String name) {
        List<String> values = request.getHeaders().get(name);
        return values == null ? List.of() : values;
    }

    /**
     * Decoded by the framework ({@code %XX} as UTF-8, {@code +} as space), from the query string only: the
     * parameters the gateway's {@code Query} predicate sees, so not {@link RequestPaths#queryParameter}.
     */
    @Override
    public String queryParameter(String name) {
        return request.getQueryParams().getFirst(name);
    }

    @Override
    public String cookie(String name) {
        HttpCookie cookie = request.getCookies().getFirst(name);
        return cookie == null ? null : cookie.getValue();
    }

    /** The connected peer's IP literal; {@code 0.0.0.0} in the odd case that the server does not know it. */
    @Override
    public String remoteAddress() {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return "0.0.0.0";
        }
        InetAddress address = remote.getAddress();
        return address != null ? address.getHostAddress() : remote.getHostString();
    }

    @Override
    public String principal() {
        return principal;
    }
}
