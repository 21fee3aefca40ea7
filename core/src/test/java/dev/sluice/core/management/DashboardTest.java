package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's page and files, as the management service serves them (the browser tests are DashboardIT). */
class DashboardTest {
    private Sluice sluice;
    private ManagementService service;

    @BeforeEach
    void start() {
        sluice = Sluice.builder().scheduler(new ManualScheduler()).policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build()))).build();
        // reads need a token here: the page itself still loads, since it holds no data and asks for the token
        service = new ManagementService(sluice, ManagementSettings.withToken("secret").readsNeedToken(true));
    }

    @AfterEach
    void stop() {
        service.close();
        sluice.close();
    }

    @Test
    void servesThePageAndItsFilesWithAStrictContentSecurityPolicy() {
        for (String[] file : List.of(new String[] {"/", "text/html; charset=utf-8", "<script src=\"ui/dashboard.js\""},
                new String[] {"/ui/dashboard.js", "text/javascript; charset=utf-8", "sessionStorage"},
                new String[] {"/ui/dashboard.css", "text/css; charset=utf-8", "@media"})) {
            ManagementResponse answer = ManagementCall.get(file[0]).send(service);
            assertThat(answer.status()).as(file[0]).isEqualTo(200);
            assertThat(answer.contentType()).as(file[0]).isEqualTo(file[1]);
            assertThat(answer.bodyText()).as(file[0]).contains(file[2]);
            assertThat(answer.headers()).as(file[0])
                    .containsEntry("Content-Security-Policy", Dashboard.CONTENT_SECURITY_POLICY)
                    .containsEntry("X-Content-Type-Options", "nosniff");
        }
        assertThat(Dashboard.CONTENT_SECURITY_POLICY).contains("default-src 'none'", "script-src 'self'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
    }

    @Test
    void thePageHasNoInlineScriptStyleOrHandler() {
        String page = ManagementCall.get("/").send(service).bodyText();
        assertThat(page).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
                .doesNotContainPattern("<style")
                .doesNotContainPattern("\\sstyle=")
                .doesNotContainPattern("\\son[a-z]+=")
                .doesNotContain("http://", "https://");
    }

    @Test
    void unknownFilesAndWritesAreRefused() {
        assertThat(ManagementCall.get("/ui/index.html").send(service).status()).isEqualTo(404);
        assertThat(ManagementCall.get("/ui/other.js").send(service).status()).isEqualTo(404);
        ManagementResponse post = ManagementCall.of("POST", "/").send(service);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("Allow", "GET, HEAD, OPTIONS");
        ManagementResponse head = ManagementCall.of("HEAD", "/ui/dashboard.js").send(service);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(ManagementCall.get("/policies").send(service).status()).as("data still needs the token")
                .isEqualTo(401);
    }
}
