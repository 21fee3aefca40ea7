package dev.sluice.core.management;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the management API: the tokens of the settings (the single {@code default} write token, the inline
 * named tokens) and those of the token file, which a thread of its own reads again within {@value #RELOAD_SECONDS}
 * s of a change to its modification time or size. Requests only read the current tokens (no file access on a
 * request's thread). A file that cannot be read or parsed at start fails start-up; later, it is logged at ERROR and
 * the tokens stay as they were. Thread-safe.
 */
final class ManagementAccess implements AutoCloseable {
    static final int RELOAD_SECONDS = 1;
    private static final Logger LOG = LoggerFactory.getLogger(ManagementService.class);

    private final boolean readsNeedToken;
    private final ManagementTokens fixed;
    private final Path file;
    private final ScheduledExecutorService reloader;
    private volatile ManagementTokens current;
    private Object seen;

    /** @throws IllegalArgumentException when the token file cannot be read or is malformed, naming it and the line */
    ManagementAccess(ManagementSettings settings) {
        this.readsNeedToken = settings.readsNeedToken();
        ManagementTokens tokens = settings.token() == null ? ManagementTokens.NONE
                : ManagementTokens.single(settings.token());
        if (settings.tokens() != null) {
            tokens = tokens.and(ManagementTokens.parse(settings.tokens(), "tokens"), "tokens");
        }
        this.fixed = tokens;
        this.file = settings.tokensFile();
        this.current = tokens;
        if (file == null) {
            this.reloader = null;
            return;
        }
        try {
            reload();
        } catch (IOException unreadable) {
            throw new IllegalArgumentException("tokens file " + file + " cannot be read: " + unreadable, unreadable);
        }
        this.reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-management-tokens");
            thread.setDaemon(true);
            return thread;
        });
        reloader.scheduleWithFixedDelay(this::reloadQuietly, RELOAD_SECONDS, RELOAD_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Reads the settings' tokens and token file once, as the service would at start.
     *
     * @throws IllegalArgumentException naming the file or setting, the line and what is wrong
     */
    static void check(ManagementSettings settings) {
        if (settings.tokensFile() == null) {
            return;   // the inline tokens were checked with the settings
        }
        try {
            String text = Files.readString(settings.tokensFile(), StandardCharsets.UTF_8);
            String source = "tokens file " + settings.tokensFile();
            ManagementTokens fixed = settings.token() == null ? ManagementTokens.NONE
                    : ManagementTokens.single(settings.token());
            if (settings.tokens() != null) {
                fixed = fixed.and(ManagementTokens.parse(settings.tokens(), "tokens"), "tokens");
            }
            fixed.and(ManagementTokens.parse(text, source), source);
        } catch (IOException unreadable) {
            throw new IllegalArgumentException("tokens file " + settings.tokensFile() + " cannot be read: "
                    + unreadable, unreadable);
        }
    }

    /** Reads the file again if its modification time or size changed. Called on the reloader thread only. */
    private void reload() throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        Object stamp = attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/"
                + attributes.fileKey();
        if (stamp.equals(seen)) {
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        ManagementTokens loaded = fixed.and(ManagementTokens.parse(text, "tokens file " + file), "tokens file " + file);
        seen = stamp;
        current = loaded;
        LOG.info("Sluice management tokens from {}: {}", file, loaded.roles());
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (IOException | RuntimeException failed) {
            LOG.error("Sluice management tokens file {} not taken, the tokens stay as they were: {}", file,
                    failed.getMessage());
        }
    }

    /** What a call is allowed: its caller, or the problem that refuses it. */
    record Decision(Caller caller, ManagementResponse problem) { }

    /**
     * Decides one call.
     *
     * @param write whether the call changes something (a {@code write} token needed), else a read (any token; when
     *              reads need none, the Authorization header is not looked at)
     */
    Decision authorize(ManagementRequest request, boolean write) {
        if (!write && !readsNeedToken) {
            return new Decision(Caller.of(request, null), null);
        }
        String header = request.headers().get("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip() : null;
        ManagementTokens tokens = current;
        if (tokens.isEmpty() && file == null) {
            return new Decision(null, write ? Problems.of(403, "read-only", "Writes are disabled",
                    "No management token is configured, so this endpoint is read-only. Set the init-param 'token' "
                            + "of SluiceManagementServlet (gateway: sluice.management.token) or the environment "
                            + "variable SLUICE_TOKEN, or named tokens (README, 'Management tokens'), and send "
                            + "'Authorization: Bearer <token>'.")
                    : Problems.of(403, "no-token", "Reads need a token, but none is configured",
                    "Set a management token (init-param 'token' or SLUICE_TOKEN, or named tokens)."));
        }
        ManagementTokens.Token token = given == null || given.isEmpty() ? null : tokens.find(given);
        if (token == null) {
            return new Decision(null, Problems.of(401, "unauthorized", "Unauthorized",
                    given == null ? "Send 'Authorization: Bearer <token>'." : "The token is not a management token.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"sluice\""));
        }
        if (write && token.role() != ManagementTokens.Role.WRITE) {
            return new Decision(null, Problems.of(403, "forbidden", "The token may only read",
                    "Token '" + token.name() + "' has the role " + token.role().wire() + "; "
                            + Json.clip(request.method()) + " needs a token with the role write."));
        }
        return new Decision(Caller.of(request, token.name()), null);
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }
}
