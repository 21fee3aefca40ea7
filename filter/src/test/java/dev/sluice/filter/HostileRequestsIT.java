package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of hostile requests over raw sockets (so that nothing in a client library cleans them up): huge
 * headers, broken forwarding chains, odd methods, encoded paths, a new key on every request. Sluice must never
 * answer 5xx, and its state must stay bounded.
 */
class HostileRequestsIT {
    private Server server;
    private ServletContextHandler context;
    private int port;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(SluiceFilter.class);
        filter.setAsyncSupported(true);
        filter.setInitParameter("config", "classpath:hostile-it.yaml");
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder ok = new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.getWriter().write("ok");
            }
        });
        ok.setAsyncSupported(true);
        context.addServlet(ok, "/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    /** Sends one raw request on a new connection; returns the status, or -1 when the server closed without one. */
    private int raw(String requestText) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(requestText.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            if (head.length < 12) {
                return -1;
            }
            return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
        }
    }

    private static String request(String method, String path, String... headers) {
        StringBuilder text = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        for (String header : headers) {
            text.append(header).append("\r\n");
        }
        return text.append("\r\n").toString();
    }

    @Test
    void hostileRequestsNeverGetA5xx() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        String[] methods = {"GET", "POST", "get", "PROPFIND", "FOO", "OPTIONS", "TRACE", "M-SEARCH", "PATCH"};
        String[] paths = {"/api/x", "/api/%2e%2e/x", "//api//x", "/api/..%2F..%2Fetc", "/c/%00", "/api/x?tenant=",
            "/api/x?tenant=%ZZ", "/api/x?tenant=a&tenant=b", "/c/x;jsessionid=1", "/%C0%AE%C0%AE/", "/api/x?" +
            "tenant=" + "t".repeat(2000), "/c/%E2%80%AE"};
        String[] forwarded = {"X-Forwarded-For: garbage, , ::::, 999.1.1.1", "X-Forwarded-For: [::1",
            "X-Forwarded-For: 1.2.3.4:99999", "Forwarded: for=\"_hidden\";proto=https", "Forwarded: for=",
            "Forwarded: for=unknown, for=[2001:db8::1]:80", "X-Forwarded-For: " + "10.0.0.1,".repeat(300),
            "X-Forwarded-For: ::ffff:300.1.1.1", "Forwarded: ;;;,,,=", "X-Forwarded-For: \u00ff\u00fe"};
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            List<String> headers = new ArrayList<>();
            headers.add(forwarded[random.nextInt(forwarded.length)]);
            switch (random.nextInt(5)) {
                case 0 -> headers.add("X-Api-Key: " + "k".repeat(1 + random.nextInt(6000)));
                case 1 -> headers.add("X-Api-Key: key-" + i);
                case 2 -> headers.add("Cookie: session=" + random.nextInt(1000) + "; session=dup");
                case 3 -> headers.add("X-Api-Key: \u00e9\u00e8 \t tab");
                default -> headers.add("Cookie: ===;;;");
            }
            String method = methods[random.nextInt(methods.length)];
            String path = paths[random.nextInt(paths.length)];
            int status = raw(request(method, path, headers.toArray(String[]::new)));
            if (status >= 500) {
                failures.add(method + " " + path + " " + headers + " -> " + status);
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void aNewKeyOnEveryRequestKeepsStateBounded() throws IOException {
        for (int i = 0; i < 10_000; i++) {
            int status = raw(request("GET", "/api/x?tenant=t" + i, "X-Api-Key: client-" + i));
            assertThat(status).isIn(200, 429);
        }
        Sluice sluice = (Sluice) context.getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
        long keys = sluice.figures("per-key").orElseThrow().keys();
        assertThat(keys).as("one bucket per key seen, within the per-policy bound").isBetween(1L, 100_000L);
        assertThat(sluice.figures("per-ip").orElseThrow().keys()).isEqualTo(1);
    }
}
