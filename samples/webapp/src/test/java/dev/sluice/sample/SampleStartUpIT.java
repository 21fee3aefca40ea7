package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad configuration stops the sample jar at start-up, with the real cluster provider on the class path: the process
 * exits with a non-zero code and its log names what is wrong. (The filter's own settings and every class of mistake
 * in a policy file are covered in the filter module's ConfigurationIT, without a cluster provider.)
 */
class SampleStartUpIT {
    /** In a variable's value, {@code {file}} is the file written with the content, {@code {port}} a free port. */
    static Stream<Arguments> badConfigurations() {
        return Stream.of(
                Arguments.of("a malformed Hazelcast configuration",
                        Map.of("SLUICE_HAZELCAST", "{file}", "SLUICE_HZ_PORT", "{port}"), "hazelcast.yaml",
                        "hazelcast:\n  network: [\n    port: 5701\n",
                        "hazelcast configuration", "hazelcast.yaml cannot be read"),
                Arguments.of("an unknown Hazelcast option",
                        Map.of("SLUICE_HAZELCAST", "{file}", "SLUICE_HZ_PORT", "{port}"), "hazelcast.yaml",
                        "hazelcast:\n  network:\n    bogus-option: 1\n",
                        "hazelcast configuration", "bogus-option"),
                Arguments.of("client mode without members", Map.of("SLUICE_HAZELCAST", "client"), "", "",
                        "hazelcast client mode needs the cluster's members", ""),
                Arguments.of("client mode with a member's port",
                        Map.of("SLUICE_HAZELCAST", "client", "SLUICE_MEMBERS", "127.0.0.1:5701", "SLUICE_HZ_PORT",
                                "{port}"), "", "",
                        "hazelcast port and bind host apply to an embedded member, not to client mode", ""),
                Arguments.of("a cluster port out of range", Map.of("SLUICE_HZ_PORT", "70000"), "", "",
                        "environment variable SLUICE_HZ_PORT: \"70000\" must be a port number from 1 to 65535", ""),
                Arguments.of("a policy file with an unknown scope",
                        Map.of("SLUICE_CONFIG", "{file}", "SLUICE_HZ_PORT", "{port}"), "sluice.yaml",
                        "policies:\n  - name: a\n    rate: { limit: 5, period: 1s }\n    scope: galaxy\n",
                        "sluice.yaml line 4", "policies[0].scope must be one of node, cluster, got \"galaxy\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurations")
    void refusesToStartNamingTheMistake(String mistake, Map<String, String> variables, String file, String content,
            String message, String detail) throws Exception {
        Path work = Deployments.workDirectory("start-up-");
        Path written = work.resolve(file.isEmpty() ? "unused" : file);
        Files.writeString(written, content);
        String port = Integer.toString(ServerProcess.freePort());
        Map<String, String> env = new HashMap<>(Map.of("PORT", Integer.toString(ServerProcess.freePort()),
                "HOST", "127.0.0.1"));
        variables.forEach((name, value) -> env.put(name, value.replace("{file}", written.toAbsolutePath().toString())
                .replace("{port}", port)));
        try (ServerProcess sample = ServerProcess.start("sample jar with " + mistake, List.of(ServerProcess.java(),
                "-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar", Deployments.jar().toString()), work, env,
                work.resolve("sample.log"))) {
            int exit = sample.awaitExit(ServerProcess.START_TIMEOUT);

            assertThat(exit).as("exit code").isNotZero();
            assertThat(sample.output()).contains(message).contains(detail);
        }
    }
}
