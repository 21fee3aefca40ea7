package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the management servlet is set up: init-params and the environment, start-up failures, registration without
 * async support, a context path, and no filter at all. Real Jetty on 127.0.0.1, port 0.
 */
class ManagementServletSetupIT {
    private static final String PATCH = "{\"rate\":{\"limit\":7}}";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Server server;
    private ServerConnector connector;
    @TempDir
    Path tokens;

    /** How the servlet is registered in a test. */
    private record Setup(Map<String, String> initParams, Function<String, String> environment, boolean asyncSupported,
            boolean withFilter, boolean encodedSlashes) {
        static Setup of(Map<String, String> initParams) {
            return new Setup(initParams, name -> null, true, true, false);
        }

        Setup environment(Function<String, String> value) {
            return new Setup(initParams, value, asyncSupported, withFilter, encodedSlashes);
        }

        Setup withoutAsync() {
            return new Setup(initParams, environment, false, withFilter, encodedSlashes);
        }

        Setup withoutFilter() {
            return new Setup(initParams, environment, asyncSupported, false, encodedSlashes);
        }

        /** Jetty, like Tomcat, refuses %2F in paths unless told otherwise: at the connector and in the servlet API. */
        Setup allowingEncodedSlashes() {
            return new Setup(initParams, environment, asyncSupported, withFilter, true);
        }
    }

    /** Context {@code /app}, the filter on {@code /*}, the management servlet on {@code /admin/sluice/*}. */
    private void start(Setup setup) throws Exception {
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        if (setup.encodedSlashes()) {
            http.setUriCompliance(UriCompliance.DEFAULT.with("keys with '/'",
                    UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        }
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/app");
        if (setup.encodedSlashes()) {
            // The filter (mapped to /*) reads the servlet path of non-canonical URIs, which Jetty refuses to
            // decode for an ambiguous URI unless told to.
            context.getServletHandler().setDecodeAmbiguousURIs(true);
        }
        if (setup.withFilter()) {
            FilterHolder filter = new FilterHolder(SluiceFilter.class);
            filter.setAsyncSupported(true);
            filter.setInitParameter("config", "classpath:management-it.yaml");
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        ServletHolder management = new ServletHolder(new SluiceManagementServlet(setup.environment()));
        management.setName("admin");
        management.setAsyncSupported(setup.asyncSupported());
        management.setInitOrder(0);
        setup.initParams().forEach(management::setInitParameter);
        context.addServlet(management, "/admin/sluice/*");
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception failure) {
            server.stop();
            throw failure;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app/admin/sluice" + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException failure) {
            throw new AssertionError(method + " " + path + " failed", failure);
        }
    }

    private HttpResponse<String> patch(String token) {
        return send("PATCH", "/policies/api", PATCH, "Content-Type", "application/merge-patch+json",
                "Authorization", "Bearer " + token);
    }

    @Test
    void failsStartUpOnAnUnknownInitParam() {
        assertThatThrownBy(() -> start(Setup.of(Map.of("token", "t", "tokn", "t"))))
                .hasStackTraceContaining("SluiceManagementServlet 'admin' cannot start: unknown init-param tokn; "
                        + "allowed: max-body-bytes, reads-need-token, token, tokens-file");
    }

    @Test
    void failsStartUpOnMalformedInitParams() {
        assertThatThrownBy(() -> start(Setup.of(Map.of("reads-need-token", "yes"))))
                .hasStackTraceContaining("init-param reads-need-token must be true or false, got 'yes'");
        assertThatThrownBy(() -> start(Setup.of(Map.of("max-body-bytes", "64k"))))
                .hasStackTraceContaining("init-param max-body-bytes must be an integer from 1 to 16777216, got '64k'");
        assertThatThrownBy(() -> start(Setup.of(Map.of("max-body-bytes", "0"))))
                .hasStackTraceContaining("got '0'");
    }

    @Test
    void theTokenComesFromTheInitParamElseFromSluiceToken() throws Exception {
        start(Setup.of(Map.of("token", "from-init-param")).environment(name -> name.equals("SLUICE_TOKEN")
                ? "from-environment" : null));
        assertThat(patch("from-environment").statusCode()).as("the init-param wins").isEqualTo(401);
        assertThat(patch("from-init-param").statusCode()).isEqualTo(200);
        server.stop();

        start(Setup.of(Map.of()).environment(name -> name.equals("SLUICE_TOKEN") ? "from-environment" : null));
        assertThat(patch("from-environment").statusCode()).isEqualTo(200);
    }

    @Test
    void namedTokensFromAFileHaveRolesAndTheAuditNamesThem() throws Exception {
        Path file = tokens.resolve("tokens");
        Files.writeString(file, "# name  role   secret\nops write sha256:" + sha256("ops-secret-1")
                + "\ndash read dash-secret-2   # a plain secret, hashed when read\n");
        start(Setup.of(Map.of("tokens-file", file.toString(), "reads-need-token", "true")));

        assertThat(send("GET", "/policies", null).statusCode()).as("reads need a token").isEqualTo(401);
        assertThat(send("GET", "/policies", null, "Authorization", "Bearer dash-secret-2").statusCode())
                .isEqualTo(200);
        HttpResponse<String> forbidden = patch("dash-secret-2");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(forbidden.body()).contains("urn:sluice:problem:management:forbidden", "'dash'", "read", "write");
        assertThat(patch("ops-secret-1").statusCode()).isEqualTo(200);

        String audit = send("GET", "/audit", null, "Authorization", "Bearer dash-secret-2").body();
        assertThat(audit).contains("\"who\":\"ops\"", "\"token\":\"ops\"", "\"address\":\"127.0.0.1\"")
                .doesNotContain("dash");
    }

    @Test
    void aTokenIsRotatedByReplacingTheFileWithoutARestart() throws Exception {
        Path file = tokens.resolve("tokens");
        Files.writeString(file, "ops write old-secret\n");
        start(Setup.of(Map.of("tokens-file", file.toString())));
        assertThat(patch("old-secret").statusCode()).isEqualTo(200);

        Path next = tokens.resolve("tokens.next");
        Files.writeString(next, "ops write sha256:" + sha256("the-new-secret") + "\n");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        Await.until(() -> patch("the-new-secret").statusCode() == 200, "the new secret is taken");
        assertThat(patch("old-secret").statusCode()).as("the old one is gone with it").isEqualTo(401);
    }

    @Test
    void aBadTokensFileFailsStartUpNamingTheFileAndTheLine() throws Exception {
        Path file = tokens.resolve("tokens");
        Files.writeString(file, "ops write s1\nviewer admin s2\n");
        assertThatThrownBy(() -> start(Setup.of(Map.of("tokens-file", file.toString()))))
                .hasStackTraceContaining("SluiceManagementServlet 'admin' cannot start: tokens file " + file
                        + " line 2: role of 'viewer' must be read or write, got 'admin'");
        Files.writeString(file, "ops write s1\nops read s2\n");
        assertThatThrownBy(() -> start(Setup.of(Map.of("tokens-file", file.toString()))))
                .hasStackTraceContaining("line 2: token name 'ops' is given twice");
        Files.writeString(file, "ops write sha256:abc\n");
        assertThatThrownBy(() -> start(Setup.of(Map.of("tokens-file", file.toString()))))
                .hasStackTraceContaining("line 1: secret of 'ops' must be sha256: and 64 hex digits");
        Path missing = tokens.resolve("missing");
        assertThatThrownBy(() -> start(Setup.of(Map.of("tokens-file", missing.toString()))))
                .hasStackTraceContaining("tokens file " + missing + " cannot be read");
    }

    @Test
    void aTokensFileBrokenBeforeTheFirstCallAnswers503UntilItIsRepaired() throws Exception {
        Path file = tokens.resolve("tokens");
        Files.writeString(file, "ops write ops-secret\n");
        start(Setup.of(Map.of("tokens-file", file.toString())));
        Files.writeString(file, "ops write\n");

        HttpResponse<String> broken = patch("ops-secret");
        assertThat(broken.statusCode()).isEqualTo(503);
        assertThat(broken.body()).contains("urn:sluice:problem:management:bad-tokens");
        Files.writeString(file, "ops write ops-secret\n");
        assertThat(patch("ops-secret").statusCode()).isEqualTo(200);
    }

    @Test
    void namedTokensFromTheEnvironmentSitBesideTheSingleTokenNamedDefault() throws Exception {
        Map<String, String> environment = Map.of("SLUICE_TOKEN", "legacy-token",
                "SLUICE_TOKENS", "viewer read viewer-secret; deployer write sha256:" + sha256("deployer-secret"));
        start(Setup.of(Map.of()).environment(environment::get));

        assertThat(patch("legacy-token").statusCode()).isEqualTo(200);
        assertThat(patch("viewer-secret").statusCode()).isEqualTo(403);
        assertThat(patch("deployer-secret").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/audit", null).body()).contains("\"who\":\"default\"", "\"who\":\"deployer\"");
    }

    private static String sha256(String secret) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void withoutAnyTokenWritesAnswer403NamingBothWaysToSetOne() throws Exception {
        start(Setup.of(Map.of()));
        HttpResponse<String> refused = patch("anything");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.body()).contains("init-param 'token'", "SLUICE_TOKEN");
        assertThat(send("GET", "/policies/api", null).statusCode()).isEqualTo(200);
    }

    @Test
    void readsCanNeedTheTokenAndBodiesHaveALimit() throws Exception {
        start(Setup.of(Map.of("token", "t", "reads-need-token", "true", "max-body-bytes", "64")));
        HttpResponse<String> anonymous = send("GET", "/policies", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
        assertThat(send("GET", "/policies", null, "Authorization", "Bearer t").statusCode()).isEqualTo(200);
        HttpResponse<String> large = send("PATCH", "/policies/api", "{\"mode\":\"shadow\",\"x\":\"" + "y".repeat(64)
                + "\"}", "Content-Type", "application/json", "Authorization", "Bearer t");
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(large.body()).contains("at most 64 bytes");
        assertThat(patch("t").statusCode()).isEqualTo(200);
    }

    @Test
    void keysArePercentDecodedBelowAContextPathAndMapping() throws Exception {
        start(Setup.of(Map.of("token", "t")));
        HttpResponse<String> key = send("GET", "/policies/jobs/keys/tenant%20%C3%A9", null);
        assertThat(key.statusCode()).isEqualTo(200);
        assertThat(key.body()).contains("\"key\":\"tenant \u00e9\"", "\"permits\":2");
        assertThat(send("GET", "/policies/jobs/keys/a%2Fb", null).statusCode())
                .as("Jetty's default URI compliance refuses an encoded '/'").isEqualTo(400);
        HttpResponse<String> created = send("PUT", "/policies/fresh", "{\"rate\":{\"limit\":1,\"period\":\"1s\"}}",
                "Content-Type", "application/json", "Authorization", "Bearer t");
        assertThat(created.statusCode()).isEqualTo(201);
        URI location = created.request().uri().resolve(created.headers().firstValue("Location").orElseThrow());
        assertThat(location.getPath()).isEqualTo("/app/admin/sluice/policies/fresh");
        assertThat(client.send(HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void keysWithASlashWorkWhereTheContainerAllowsEncodedSlashes() throws Exception {
        start(Setup.of(Map.of("token", "t")).allowingEncodedSlashes());
        HttpResponse<String> key = send("GET", "/policies/jobs/keys/tenant%2F1", null);
        assertThat(key.statusCode()).as(key.body()).isEqualTo(200);
        assertThat(key.body()).contains("\"key\":\"tenant/1\"");
        assertThat(send("DELETE", "/policies/jobs/keys/tenant%2F1", null, "Authorization", "Bearer t").statusCode())
                .isEqualTo(204);
        assertThat(send("GET", "/audit", null).body()).contains("\"key\":\"tenant/1\"");
    }

    @Test
    void worksWhenRegisteredWithoutAsyncSupport() throws Exception {
        start(Setup.of(Map.of("token", "t")).withoutAsync());
        HttpResponse<String> patched = patch("t");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(patched.body()).contains("\"limit\":7");
        assertThat(send("GET", "/policies/api/keys/x", null).statusCode()).isEqualTo(200);
    }

    @Test
    void withoutTheFilterAnswers503Problems() throws Exception {
        start(Setup.of(Map.of("token", "t")).withoutFilter());
        HttpResponse<String> answer = send("GET", "/policies", null);
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(answer.body()).contains("\"status\":503", SluiceFilter.SLUICE_ATTRIBUTE);
    }
}
