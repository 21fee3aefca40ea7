package dev.sluice.sample;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The sample WAR, unchanged, in an unmodified Jetty 12 distribution (jetty-home): its own JETTY_BASE with the http
 * and ee10-deploy modules, listening on 127.0.0.1 and a free port, deployed at /sample.
 */
class JettyDistributionIT extends DeployedSample {
    @Override
    Deployment deploy() throws Exception {
        Path home = Deployments.jettyHome();
        Path base = Deployments.workDirectory("jetty-");
        String startJar = home.resolve("start.jar").toAbsolutePath().toString();
        ServerProcess.run("Jetty --add-modules", List.of(ServerProcess.java(), "-jar", startJar,
                "--add-modules=http,ee10-deploy"), base, base.resolve("add-modules.log"));
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(Deployments.war(), base.resolve("webapps/sample.war"));
        int port = ServerProcess.freePort();

        ServerProcess jetty = ServerProcess.start("Jetty", List.of(ServerProcess.java(), "-jar", startJar,
                        "jetty.http.host=127.0.0.1", "jetty.http.port=" + port),
                base, Map.of("SLUICE_HZ_PORT", Integer.toString(ServerProcess.freePort())), base.resolve("jetty.log"));
        return new Deployment(jetty, URI.create("http://127.0.0.1:" + port + "/sample/"));
    }
}
