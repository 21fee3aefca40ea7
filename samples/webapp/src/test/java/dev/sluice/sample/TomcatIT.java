package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The sample WAR, unchanged, in an unmodified Tomcat 11 distribution: its own CATALINA_BASE (the distribution's
 * conf/ with the connector on 127.0.0.1 and a free port, and the shutdown port disabled), deployed at /sample.
 */
class TomcatIT extends DeployedSample {
    @Override
    Deployment deploy() throws Exception {
        Path home = Deployments.tomcatHome();
        Path base = Deployments.workDirectory("tomcat-");
        int port = ServerProcess.freePort();
        Path conf = Files.createDirectories(base.resolve("conf"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(home.resolve("conf"), Files::isRegularFile)) {
            for (Path file : files) {
                Files.copy(file, conf.resolve(file.getFileName()));
            }
        }
        Path serverXml = conf.resolve("server.xml");
        String stock = Files.readString(serverXml, StandardCharsets.UTF_8);
        String local = replaceOnce(stock, "<Server port=\"8005\"", "<Server port=\"-1\"");
        local = replaceOnce(local, "<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"");
        Files.writeString(serverXml, local, StandardCharsets.UTF_8);
        for (String directory : List.of("logs", "temp", "webapps", "work")) {
            Files.createDirectories(base.resolve(directory));
        }
        Files.copy(Deployments.war(), base.resolve("webapps/sample.war"));

        ServerProcess tomcat = ServerProcess.start("Tomcat", List.of(ServerProcess.java(),
                        "-Dcatalina.home=" + home.toAbsolutePath(),
                        "-Dcatalina.base=" + base.toAbsolutePath(),
                        "-Djava.io.tmpdir=" + base.resolve("temp").toAbsolutePath(),
                        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                        "-Djava.util.logging.config.file=" + conf.resolve("logging.properties").toAbsolutePath(),
                        "-cp", home.resolve("bin/bootstrap.jar") + java.io.File.pathSeparator
                                + home.resolve("bin/tomcat-juli.jar"),
                        "org.apache.catalina.startup.Bootstrap", "start"),
                base, Map.of("SLUICE_HZ_PORT", Integer.toString(ServerProcess.freePort())),
                base.resolve("logs/console.log"));
        return new Deployment(tomcat, URI.create("http://127.0.0.1:" + port + "/sample/"));
    }

    private static String replaceOnce(String text, String from, String to) {
        assertThat(text).as("stock server.xml").containsOnlyOnce(from);
        return text.replace(from, to);
    }
}
