package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code java -jar sluice-sample-webapp.jar}, configured by its environment as the README shows. */
class SampleJarIT extends DeployedSample {
    @Override
    Deployment deploy() throws Exception {
        Path work = Deployments.workDirectory("jar-");
        int port = ServerProcess.freePort();
        ServerProcess jar = ServerProcess.start("sample jar", List.of(ServerProcess.java(),
                        "-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar", Deployments.jar().toString()),
                work, Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "SLUICE_HZ_PORT",
                        Integer.toString(ServerProcess.freePort())), work.resolve("sample.log"));
        return new Deployment(jar, URI.create("http://127.0.0.1:" + port + "/"));
    }

    @Test
    void printsAManagementTokenWhenNoneIsSet() {
        assertThat(server.output()).containsPattern("management token is [A-Za-z0-9_-]{32}");
    }

    @Test
    void retunesAPolicyLiveWithThePrintedToken() throws Exception {
        java.util.regex.Matcher printed = java.util.regex.Pattern.compile("management token is ([A-Za-z0-9_-]{32})")
                .matcher(server.output());
        assertThat(printed.find()).isTrue();
        URI policy = sample.uri("/sluice/policies/reports-shadow");
        HttpResponse<String> before = client.send(HttpRequest.newBuilder(policy).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(before.statusCode()).isEqualTo(200);
        HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(policy).timeout(Duration.ofSeconds(10))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"rate\":{\"limit\":2}}"))
                .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> patched = client.send(HttpRequest.newBuilder(policy).timeout(Duration.ofSeconds(10))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"rate\":{\"limit\":2}}"))
                .header("Content-Type", "application/merge-patch+json")
                .header("If-Match", before.headers().firstValue("ETag").orElseThrow())
                .header("Authorization", "Bearer " + printed.group(1)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(patched.body()).contains("\"rate\":{\"limit\":2,\"period\":\"1s\"}");
    }
}
