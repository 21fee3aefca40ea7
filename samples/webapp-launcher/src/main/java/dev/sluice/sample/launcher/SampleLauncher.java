package dev.sluice.sample.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sample WAR, unchanged, in an embedded Jetty 12 (ee10): {@code java -jar sluice-sample-webapp.jar}.
 *
 * <p>Environment:
 * <ul>
 *   <li>{@code PORT}: the HTTP port, default 8080;</li>
 *   <li>{@code HOST}: the address to bind, default every interface;</li>
 *   <li>{@code SLUICE_TOKEN}: the management write token; when unset, a random one is generated and logged. It
 *       reaches the application as the servlet context init-param {@value #TOKEN_PARAM};</li>
 *   <li>{@code SLUICE_TOKENS}: further named tokens, e.g. {@code viewer read <secret>} for a token that may only
 *       read (the management servlet reads it itself);</li>
 *   <li>{@code SLUICE_HZ_LOG}: the level of Hazelcast's log, default {@code warn} (no banner);</li>
 *   <li>{@code SLUICE_MEMBERS}, {@code SLUICE_HZ_PORT}, {@code SLUICE_HZ_HOST} and the other {@code SLUICE_*}
 *       settings are read by the application's SluiceFilter itself.</li>
 * </ul>
 * The WAR is the one inside this jar; the system property {@code sluice.sample.war} names another one.
 */
public final class SampleLauncher {
    /** The servlet context init-param that carries the management token into the application. */
    public static final String TOKEN_PARAM = "dev.sluice.management.token";

    static {
        quietHazelcast(System.getenv("SLUICE_HZ_LOG"));
    }

    private static final Logger LOG = LoggerFactory.getLogger(SampleLauncher.class);
    private static final String WAR_RESOURCE = "/sluice-sample-webapp.war";

    private SampleLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            LOG.error("The sample takes no arguments; it is configured by the environment: PORT, HOST, SLUICE_TOKEN, "
                    + "SLUICE_TOKENS, SLUICE_MEMBERS, SLUICE_HZ_PORT. Got {} argument(s).", args.length);
            System.exit(2);
        }
        Server server;
        try {
            server = start(System.getenv());
        } catch (IllegalArgumentException bad) {
            LOG.error("Cannot start the sample: {}", bad.getMessage());
            System.exit(2);
            return;
        } catch (Exception failure) {
            LOG.error("The sample did not start", failure);
            System.exit(1);
            return;
        }
        server.join();
    }

    /**
     * Starts the server and returns once it serves requests.
     *
     * @throws IllegalArgumentException when an environment variable is malformed, naming it
     * @throws IllegalStateException    when the application does not start (for example a bad policy file)
     */
    static Server start(Map<String, String> env) throws Exception {
        int port = port(env.get("PORT"));
        String host = env.get("HOST");
        String token = env.get("SLUICE_TOKEN");
        boolean generated = token == null || token.isBlank();
        if (generated) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("sample");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        if (host != null && !host.isBlank()) {
            connector.setHost(host.strip());
        }
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war().toString());
        webapp.setInitParameter(TOKEN_PARAM, token);
        // One logging system for Jetty and the application: the WAR brings only the SLF4J API, which would find
        // no provider inside the web application.
        webapp.getProtectedClassMatcher().add("org.slf4j.");
        webapp.getHiddenClassMatcher().add("-org.slf4j.");
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.setStopAtShutdown(true);
        try {
            server.start();
        } catch (Exception failure) {
            server.stop();
            throw failure;
        }

        LOG.info("Sluice sample listening on http://{}:{}/ (try: curl -i http://localhost:{}/hello)",
                host == null || host.isBlank() ? "0.0.0.0" : host.strip(), connector.getLocalPort(),
                connector.getLocalPort());
        if (generated) {
            LOG.info("SLUICE_TOKEN is not set; this run's management token is {}", token);
        }
        return server;
    }

    /**
     * Hazelcast logs through SLF4J at WARN (no banner, no start-up chatter) unless {@code SLUICE_HZ_LOG} names
     * another level ({@code info}, {@code debug}, ...) or {@code -Dorg.slf4j.simpleLogger.log.com.hazelcast} is set.
     * Runs before the first logger is made, since SLF4J's simple logger reads its levels once.
     */
    private static void quietHazelcast(String level) {
        System.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "slf4j"));
        String property = "org.slf4j.simpleLogger.log.com.hazelcast";
        if (System.getProperty(property) == null) {
            System.setProperty(property, level == null || level.isBlank() ? "warn" : level.strip().toLowerCase());
        }
    }

    private static int port(String value) {
        if (value == null || value.isBlank()) {
            return 8080;
        }
        String text = value.strip();
        if (!text.chars().allMatch(Character::isDigit) || text.length() > 5 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("PORT must be a port number from 0 to 65535, got \"" + value + "\"");
        }
        return Integer.parseInt(text);
    }

    /** The WAR to serve: {@code -Dsluice.sample.war}, or a copy of the one inside this jar. */
    private static Path war() throws IOException {
        String explicit = System.getProperty("sluice.sample.war");
        if (explicit != null) {
            Path path = Path.of(explicit);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("sluice.sample.war names no file: " + path.toAbsolutePath());
            }
            return path;
        }
        try (InputStream in = SampleLauncher.class.getResourceAsStream(WAR_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(WAR_RESOURCE + " is not inside this jar; run the jar that the sample "
                        + "webapp's build produces (samples/webapp/target/sluice-sample-webapp.jar)");
            }
            Path copy = Files.createTempFile("sluice-sample-", ".war");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        }
    }
}
