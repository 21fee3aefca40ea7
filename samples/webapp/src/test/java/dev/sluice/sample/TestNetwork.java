package dev.sluice.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts on one machine: a network namespace per host, each joined by a veth pair to a bridge of its own, with
 * addresses only inside the namespaces (the bridge and the root namespace have none). Needs root and iproute2's
 * {@code ip}. Names carry a random tag, so runs never collide; {@link #close()} deletes everything it created, and a
 * failed creation deletes what was made so far. Every command is bounded (10 s).
 */
final class TestNetwork implements AutoCloseable {
    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff), 16);
    private final int subnet = ThreadLocalRandom.current().nextInt(1, 250);
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private final String bridge = "slb" + tag;

    /** Why this machine cannot make test hosts (not root, no {@code ip}), or null when it can. */
    static String unavailable() {
        try {
            if (!"0".equals(output(List.of("id", "-u")).strip())) {
                return "network namespaces need root";
            }
            output(List.of("ip", "-V"));
            return null;
        } catch (IOException | InterruptedException | IllegalStateException missing) {
            return "iproute2's ip is not usable here: " + missing.getMessage();
        }
    }

    /** Creates {@code hosts} namespaces on one bridge; host i (from 0) has address {@link #address}(i). */
    static TestNetwork create(int hosts) throws Exception {
        TestNetwork network = new TestNetwork();
        try {
            network.ip("link", "add", network.bridge, "type", "bridge");
            network.links.add(network.bridge);
            network.ip("link", "set", network.bridge, "up");
            for (int i = 0; i < hosts; i++) {
                String ns = network.namespace(i);
                network.ip("netns", "add", ns);
                network.namespaces.add(ns);
                String outside = network.outside(i);
                String inside = "sli" + network.tag + i;
                network.ip("link", "add", outside, "type", "veth", "peer", "name", inside);
                network.links.add(outside);
                network.ip("link", "set", inside, "netns", ns);
                network.ip("link", "set", outside, "master", network.bridge);
                network.ip("link", "set", outside, "up");
                network.ip("-n", ns, "addr", "add", network.address(i) + "/24", "dev", inside);
                network.ip("-n", ns, "link", "set", inside, "up");
                network.ip("-n", ns, "link", "set", "lo", "up");
            }
            return network;
        } catch (Exception failure) {
            network.close();
            throw failure;
        }
    }

    String namespace(int host) {
        return "sln" + tag + host;
    }

    /** Host {@code host}'s address, inside its namespace only. */
    String address(int host) {
        return "10.213." + subnet + "." + (10 + host);
    }

    private String outside(int host) {
        return "slo" + tag + host;
    }

    /** Cuts host {@code host} off the bridge (its link goes down); its namespace and everything in it keep running. */
    void cut(int host) throws Exception {
        ip("link", "set", outside(host), "down");
    }

    /** Puts host {@code host} back on the bridge. */
    void heal(int host) throws Exception {
        ip("link", "set", outside(host), "up");
    }

    /** The command prefix that runs a program inside host {@code host}'s namespace. */
    List<String> inside(int host) {
        return List.of("ip", "netns", "exec", namespace(host));
    }

    private void ip(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        output(command);
    }

    private static String output(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within 10 s");
        }
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): "
                    + text.strip());
        }
        return text;
    }

    /** Deletes the namespaces (their veth ends go with them), the outer veth ends and the bridge; never throws. */
    @Override
    public void close() {
        for (String ns : namespaces) {
            quietly("ip", "netns", "delete", ns);
        }
        for (String link : links) {
            quietly("ip", "link", "delete", link);
        }
    }

    private static void quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException ignored) {
            // best effort: the namespace or link may already be gone
        }
    }
}
