package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard at {@code /sluice/} of the sample jar ({@code java -jar}, embedded Jetty and Hazelcast), in a real
 * headless Chromium driven through Debian's {@code /usr/bin/chromedriver} (never a downloaded driver). Load comes from
 * java.net.http. Without chromium or chromedriver the class is skipped with the reason, except on CI
 * ({@code CI=true}), where that fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "dashboard-it-token-7f3a9c21e5b84d06";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> SAMPLE_POLICIES = List.of("hello-rate", "api-quota", "work-concurrency",
            "reports-shadow", "shared-concurrency");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ServerProcess server;
    private URI root;
    private ChromeDriverService driverService;
    private WebDriver browser;
    private Path profile;

    @BeforeAll
    void start() throws Exception {
        String missing = !Files.isExecutable(CHROMIUM) ? CHROMIUM + " is missing (apt-get install chromium)"
                : !Files.isExecutable(CHROMEDRIVER) ? CHROMEDRIVER + " is missing (apt-get install chromium-driver)"
                : null;
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("The dashboard's browser tests cannot run on CI: " + missing);
            }
            Assumptions.abort("The dashboard's browser tests are skipped: " + missing);
        }
        Path work = Deployments.workDirectory("dashboard-");
        int port = ServerProcess.freePort();
        server = ServerProcess.start("sample jar", List.of(ServerProcess.java(),
                        "-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar", Deployments.jar().toString()),
                work, Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "SLUICE_HZ_PORT",
                        Integer.toString(ServerProcess.freePort()), "SLUICE_TOKEN", TOKEN), work.resolve("sample.log"));
        root = URI.create("http://127.0.0.1:" + port + "/");
        server.awaitReady(client, root.resolve("echo/ready"));

        profile = Files.createTempDirectory("sluice-chromium-");
        driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(work.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,800");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        browser = new ChromeDriver(driverService, options);
        browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            try {
                if (driverService != null) {
                    driverService.stop();
                }
            } finally {
                try {
                    if (server != null) {
                        server.close();
                    }
                } finally {
                    deleteTree(profile);
                }
            }
        }
    }

    /** Each test starts from the page loaded afresh, at 1280×800, without a token in this tab. */
    @BeforeEach
    void openTheDashboard() {
        browser.manage().window().setSize(new Dimension(1280, 800));
        browser.get(root.resolve("sluice/").toString());
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear();");
        browser.navigate().refresh();
        waitUntil(b -> b.findElements(By.cssSelector("article.policy")).size() >= SAMPLE_POLICIES.size());
    }

    @Test
    void showsTheSamplesPoliciesWithFiguresThatMoveUnderLoad() throws Exception {
        for (String name : SAMPLE_POLICIES) {
            assertThat(card(name).findElement(By.tagName("h3")).getText()).isEqualTo(name);
        }
        assertThat(card("api-quota").findElement(By.cssSelector(".v-limit")).getText()).startsWith("10 per 1s");
        assertThat(text("#backends")).contains("hazelcast", "cluster members", "breaker", "CLOSED");
        String totalsBefore = figure("api-quota", "totals");

        try (Load load = new Load()) {
            waitUntil(b -> rate(figure("api-quota", "admitted")) > 0 && rate(figure("api-quota", "refused")) > 0
                    && figure("api-quota", "reasons").contains("rate"));
            waitUntil(b -> figure("reports-shadow", "shadow").matches("(?s).*rate \\d.*"));
            waitUntil(b -> figure("work-concurrency", "permits").matches("[12] of 2"));
            assertThat(figure("api-quota", "totals")).isNotEqualTo(totalsBefore);
            String totalsUnderLoad = figure("api-quota", "totals");
            waitUntil(b -> !figure("api-quota", "totals").equals(totalsUnderLoad));
            // /hello's refusals are all of one key (127.0.0.1); without the top-keys call the page says so
            waitUntil(b -> figure("hello-rate", "top").matches("(?s)not available.*|.*127\\.0\\.0\\.1.*"));
            // the whole page at 1280 wide, under load (the README's docs/dashboard.png is one of these)
            Number height = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;");
            browser.manage().window().setSize(new Dimension(1280, Math.min(height.intValue(), 4000)));
            waitUntil(b -> refreshes() >= 1 && figure("api-quota", "refused").matches("[1-9].*|0\\.[1-9].*"));
            Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(),
                    Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
            assertThat(load.failures()).as("the load's own requests were answered").isLessThan(load.sent() / 2);
        }
    }

    @Test
    void runsWithoutContentSecurityPolicyViolationsOrScriptErrors() {
        browser.manage().logs().get(LogType.BROWSER);   // drops what came before this test's page load
        browser.navigate().refresh();
        waitUntil(b -> refreshes() >= 3);
        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(message -> message.contains("Content Security Policy") || message.contains("Uncaught")
                        || message.contains("Refused to"))
                .toList();
        assertThat(problems).isEmpty();
        assertThat(text("#load-error")).isEmpty();

        // the check can fail: an inline script is refused by the page's policy, and the log says so
        ((JavascriptExecutor) browser).executeScript("const s = document.createElement('script');"
                + " s.textContent = 'window.inlineRan = true;'; document.body.append(s);");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.inlineRan === true;")).isEqualTo(false);
        waitUntil(b -> b.manage().logs().get(LogType.BROWSER).getAll().stream()
                .anyMatch(entry -> entry.getMessage().contains("Content Security Policy")));
    }

    @Test
    void everyControlIsLabelledAndReachedByKeyboard() {
        enterToken();
        waitUntil(b -> input("hello-rate", "rate.limit").isEnabled());
        for (WebElement field : browser.findElements(By.cssSelector("input"))) {
            String id = field.getDomAttribute("id");
            assertThat(browser.findElements(By.cssSelector("label[for='" + id + "']"))).as(id).hasSize(1)
                    .allSatisfy(label -> assertThat(label.getText()).isNotBlank());
        }
        browser.navigate().refresh();   // the token stays (sessionStorage); the keyboard starts at the top
        waitUntil(b -> input("hello-rate", "rate.limit").isEnabled());
        List<String> reached = new ArrayList<>();
        Actions keyboard = new Actions(browser);
        for (int i = 0; i < 12 && !reached.contains("hello-rate:rate.limit"); i++) {
            keyboard.sendKeys(Keys.TAB).perform();
            reached.add((String) ((JavascriptExecutor) browser).executeScript("const e = document.activeElement;"
                    + " const card = e.closest('article.policy');"
                    + " return (card ? card.dataset.policy + ':' : '') + (e.dataset.field || e.id || e.textContent);"));
        }
        assertThat(reached).as("Tab order from the top").contains("token-input", "hello-rate:rate.limit");
        assertThat(reached.indexOf("token-input")).isLessThan(reached.indexOf("hello-rate:rate.limit"));
    }

    @Test
    void fitsAPhoneWidthWithoutScrollingSideways() throws Exception {
        browser.manage().window().setSize(new Dimension(390, 844));
        waitUntil(b -> refreshes() >= 2);
        Object overflow = ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
        Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(),
                Path.of("target", "dashboard-phone.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void withoutATokenTheEditControlsAreDisabledWithTheReason() {
        assertThat(text("#token-state")).contains("read-only");
        for (String name : List.of("api-quota", "work-concurrency", "hello-rate")) {
            List<WebElement> inputs = card(name).findElements(By.cssSelector(".fields input"));
            assertThat(inputs).as(name).isNotEmpty();
            assertThat(inputs).allSatisfy(input -> assertThat(input.isEnabled()).isFalse());
            assertThat(card(name).findElement(By.cssSelector(".save")).isEnabled()).isFalse();
            WebElement reason = card(name).findElement(By.cssSelector(".edit-reason"));
            assertThat(reason.isDisplayed()).isTrue();
            assertThat(reason.getText()).contains("needs a management token");
            assertThat(card(name).findElement(By.tagName("fieldset")).getDomAttribute("aria-describedby"))
                    .isEqualTo(reason.getDomAttribute("id"));
        }
        enterToken();
        waitUntil(b -> input("api-quota", "rate.limit").isEnabled());
        browser.findElement(By.id("token-forget")).click();
        waitUntil(b -> !input("api-quota", "rate.limit").isEnabled());
        assertThat(sessionToken()).isNull();
    }

    @Test
    void aChangeMadeInThePageIsAppliedAndABadOneIsExplainedInline() throws Exception {
        enterToken();
        assertThat(sessionToken()).isEqualTo(TOKEN);
        WebElement limit = input("api-quota", "rate.limit");
        waitUntil(b -> limit.isEnabled());

        limit.clear();
        limit.sendKeys("-5", Keys.ENTER);   // submitted from the keyboard
        WebElement error = card("api-quota").findElement(By.cssSelector(".field-error"));
        waitUntil(b -> error.isDisplayed());
        assertThat(error.getText()).contains("-5");
        assertThat(limit.getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(limit.getDomAttribute("aria-describedby")).isEqualTo(error.getDomAttribute("id"));
        assertThat(get("/sluice/policies/api-quota").body()).contains("\"rate\":{\"limit\":10,");

        limit.clear();
        limit.sendKeys("7", Keys.ENTER);
        WebElement ok = card("api-quota").findElement(By.cssSelector(".form-ok"));
        waitUntil(b -> ok.isDisplayed());
        assertThat(ok.getText()).contains("Saved");
        assertThat(get("/sluice/policies/api-quota").body()).contains("\"rate\":{\"limit\":7,\"period\":\"1s\"}");
        assertThat(error.isDisplayed()).isFalse();
        assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN);
        waitUntil(b -> text("#audit").contains("api-quota") && text("#audit").contains("rate.limit: 10 → 7"));
    }

    @Test
    void aStaleEditShowsTheConflictAndReloadsTheCurrentVersion() throws Exception {
        enterToken();
        WebElement permits = input("work-concurrency", "concurrency.permits");
        waitUntil(b -> permits.isEnabled());
        int current = Integer.parseInt(permits.getDomProperty("value"));
        int theirs = current + 1;
        permits.clear();
        permits.sendKeys(Integer.toString(current + 5));

        // someone else changes the policy meanwhile
        URI policy = root.resolve("sluice/policies/work-concurrency");
        HttpResponse<String> other = client.send(HttpRequest.newBuilder(policy)
                .timeout(Duration.ofSeconds(10))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"concurrency\":{\"permits\":" + theirs + "}}"))
                .header("Content-Type", "application/merge-patch+json")
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(200);
        // the next refresh says so, and keeps the unsaved edit
        waitUntil(b -> card("work-concurrency").findElement(By.cssSelector(".edit-version")).getText()
                .contains("the server now has version"));
        assertThat(permits.getDomProperty("value")).isEqualTo(Integer.toString(current + 5));

        card("work-concurrency").findElement(By.cssSelector(".save")).click();
        WebElement conflict = card("work-concurrency").findElement(By.cssSelector(".form-error"));
        waitUntil(b -> conflict.isDisplayed());
        assertThat(conflict.getText()).contains("Conflict", "not applied");
        assertThat(conflict.getDomAttribute("role")).isEqualTo("alert");
        waitUntil(b -> permits.getDomProperty("value").equals(Integer.toString(theirs)));
        assertThat(get("/sluice/policies/work-concurrency").body())
                .contains("\"concurrency\":{\"permits\":" + theirs + ",");
    }

    // ---------------------------------------------------------------- helpers

    private void enterToken() {
        WebElement token = browser.findElement(By.id("token-input"));
        assertThat(browser.findElement(By.cssSelector("label[for=token-input]")).getText())
                .isEqualTo("Management token");
        token.sendKeys(TOKEN, Keys.ENTER);
        waitUntil(b -> text("#token-state").contains("editing is enabled"));
    }

    private String sessionToken() {
        return (String) ((JavascriptExecutor) browser)
                .executeScript("return sessionStorage.getItem('sluice.management.token');");
    }

    private WebElement card(String policy) {
        return browser.findElement(By.cssSelector("article.policy[data-policy='" + policy + "']"));
    }

    private WebElement input(String policy, String field) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfNestedElementLocatedBy(
                card(policy), By.cssSelector("input[data-field='" + field + "']")));
    }

    private String figure(String policy, String name) {
        return card(policy).findElement(By.cssSelector(".v-" + name)).getText();
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private int refreshes() {
        String value = browser.findElement(By.tagName("body")).getDomAttribute("data-refreshed");
        return value == null ? 0 : Integer.parseInt(value);
    }

    /** A per-second figure as the page shows it; -1 before it has two readings. */
    private static double rate(String shown) {
        Matcher number = Pattern.compile("^\\d+(\\.\\d+)?").matcher(shown);
        return number.find() ? Double.parseDouble(number.group()) : -1;
    }

    private void waitUntil(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition::apply);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(root.resolve(path.substring(1))).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void deleteTree(Path directory) throws IOException {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Traffic against the sample while open: API keys over their rate (one of them much more than the others), the
     * rate-limited /hello, the shadow policy's /reports and slow /work jobs that hold permits and queue.
     */
    private final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService threads = Executors.newFixedThreadPool(4);
        private final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger failures =
                new java.util.concurrent.atomic.AtomicInteger();

        Load() {
            List<Runnable> loops = new ArrayList<>();
            loops.add(() -> loop(i -> request("api/orders", "X-Api-Key", i % 5 == 0 ? "beta" : "alpha"), 15));
            loops.add(() -> loop(i -> request(i % 2 == 0 ? "hello" : "reports/daily", null, null), 40));
            loops.add(() -> loop(i -> request("work/job?ms=600", null, null), 150));
            loops.add(() -> loop(i -> request("work/job?ms=600", null, null), 150));
            loops.forEach(threads::execute);
        }

        private void loop(java.util.function.IntFunction<HttpRequest> next, long pauseMillis) {
            for (int i = 0; running.get(); i++) {
                try {
                    client.send(next.apply(i), HttpResponse.BodyHandlers.discarding());
                    sent.incrementAndGet();
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException stop) {
                    return;
                } catch (IOException failed) {
                    failures.incrementAndGet();
                }
            }
        }

        private HttpRequest request(String path, String header, String value) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(15));
            if (header != null) {
                builder.header(header, value);
            }
            return builder.build();
        }

        int sent() {
            return sent.get();
        }

        int failures() {
            return failures.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            threads.shutdownNow();
            if (!threads.awaitTermination(20, TimeUnit.SECONDS)) {
                throw new AssertionError("the load did not stop within 20 s");
            }
        }
    }
}
