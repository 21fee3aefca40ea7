package dev.sluice.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client that runs inside one test host's network namespace ({@code ip netns exec NS java ... NamespaceAgent}), so
 * that a test outside the namespaces can load that host's node and call its management API without an address of its
 * own on the test network. Commands come one per line on standard input; each gets one answer line on standard
 * output starting with {@code > }:
 * <ul>
 *   <li>{@code load RATE_URL RATE_PER_SECOND HOLD_URL CLIENTS FILE}: offers requests to {@code RATE_URL} at a fixed
 *       rate (open loop, asynchronous) and runs {@code CLIENTS} closed-loop clients on {@code HOLD_URL}; every answer
 *       is appended to {@code FILE} as {@code kind,status,sentMillis,startedMicros,finishedMicros}.</li>
 *   <li>{@code stop}: stops the load and writes {@code FILE}.</li>
 *   <li>{@code call METHOD URL TOKEN BODY}: one request ({@code -} for no token or no body); answers
 *       {@code STATUS BODY} on one line.</li>
 * </ul>
 * It exits when its standard input closes. Every request has a time limit of 10 s.
 */
public final class NamespaceAgent {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Management calls have a client of their own, so that the load never delays them. */
    private final HttpClient calls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ConcurrentLinkedQueue<String> records = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private ScheduledExecutorService timer;
    private final List<Thread> holders = new ArrayList<>();
    private Path file;

    public static void main(String[] args) throws Exception {
        NamespaceAgent agent = new NamespaceAgent();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            String answer;
            try {
                answer = agent.handle(line.split(" ", 5));
            } catch (Exception failure) {
                answer = "error " + failure.toString().replace('\n', ' ');
            }
            out.println("> " + answer);
        }
        agent.stop();
        System.exit(0);
    }

    private String handle(String[] words) throws Exception {
        return switch (words[0]) {
            case "load" -> load(URI.create(words[1]), Integer.parseInt(words[2]), URI.create(words[3]),
                    Integer.parseInt(words[4].split(" ")[0]), Path.of(words[4].split(" ")[1]));
            case "stop" -> stop();
            case "call" -> call(words);
            default -> "error unknown command " + words[0];
        };
    }

    private String load(URI rateUri, int perSecond, URI holdUri, int clients, Path output) {
        file = output;
        running.set(true);
        timer = Executors.newSingleThreadScheduledExecutor();
        long periodMicros = 1_000_000L / perSecond;
        timer.scheduleAtFixedRate(() -> {
            long sent = System.currentTimeMillis();
            client.sendAsync(HttpRequest.newBuilder(rateUri).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((answer, failure) ->
                    records.add("rate," + (failure != null ? -1 : answer.statusCode()) + "," + sent + ",0,0"));
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
        for (int i = 0; i < clients; i++) {
            Thread holder = new Thread(() -> {
                while (running.get()) {
                    long sent = System.currentTimeMillis();
                    try {
                        HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(holdUri).timeout(TIMEOUT)
                                .build(), HttpResponse.BodyHandlers.discarding());
                        records.add("hold," + answer.statusCode() + "," + sent + ","
                                + answer.headers().firstValue("X-Echo-Started").orElse("0") + ","
                                + answer.headers().firstValue("X-Echo-Finished").orElse("0"));
                        if (answer.statusCode() != 200) {
                            Thread.sleep(50);
                        }
                    } catch (InterruptedException stopped) {
                        return;
                    } catch (IOException failed) {
                        records.add("hold,-1," + sent + ",0,0");
                    }
                }
            }, "hold-" + i);
            holder.setDaemon(true);
            holder.start();
            holders.add(holder);
        }
        return "loading";
    }

    private String stop() throws Exception {
        if (!running.getAndSet(false)) {
            return "idle";
        }
        timer.shutdownNow();
        for (Thread holder : holders) {
            holder.join(TIMEOUT.toMillis() + 1000);
        }
        Thread.sleep(TIMEOUT.toMillis() / 5);
        Files.write(file, new ArrayList<>(records), StandardCharsets.UTF_8);
        return "stopped " + records.size();
    }

    private String call(String[] words) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(words[2])).timeout(TIMEOUT);
        String body = words.length > 4 ? words[4] : "-";
        request.method(words[1], body.equals("-") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (!body.equals("-")) {
            request.header("Content-Type", words[1].equals("PATCH") ? "application/merge-patch+json"
                    : "application/json");
        }
        if (!words[3].equals("-")) {
            request.header("Authorization", "Bearer " + words[3]);
        }
        HttpResponse<String> answer = calls.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .get(TIMEOUT.toSeconds() + 2, java.util.concurrent.TimeUnit.SECONDS);
        return answer.statusCode() + " " + answer.body().replace('\n', ' ');
    }
}
