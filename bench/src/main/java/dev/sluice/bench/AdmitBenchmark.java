package dev.sluice.bench;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Sluice.admit()} alone, node scope: a request matching a rate policy (a bucket large enough never to refuse,
 * so the figure is the admitting path), a request matching a concurrency policy (acquire + release), and a request
 * no policy matches. Run: {@code java -jar bench/target/sluice-benchmarks.jar AdmitBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class AdmitBenchmark {
    private Sluice sluice;
    private FixedRequest rated;
    private FixedRequest gated;
    private FixedRequest unmatched;

    @Setup(Level.Trial)
    public void start() {
        Policy rate = Policy.builder("rate").match(new Match(List.of("/api/**"), Set.of(), List.of()))
                .key("header:X-Api-Key").rate(new Rate(1_000_000_000L, Duration.ofSeconds(1))).build();
        Policy gate = Policy.builder("gate").match(new Match(List.of("/jobs/**"), Set.of(), List.of()))
                .concurrency(new Concurrency(1_000_000)).build();
        sluice = Sluice.builder().policies(new PolicySet(List.of(rate, gate))).build();
        rated = new FixedRequest("/api/users/42", "X-Api-Key", "client-7");
        gated = new FixedRequest("/jobs/run", null, null);
        unmatched = new FixedRequest("/static/logo.png", null, null);
    }

    @TearDown(Level.Trial)
    public void stop() {
        sluice.close();
    }

    @Benchmark
    public Admission matchingRatePolicy() {
        return sluice.admit(rated).join();
    }

    @Benchmark
    @Threads(2)
    public Admission matchingRatePolicyTwoThreads() {
        return sluice.admit(rated).join();
    }

    @Benchmark
    public Admission matchingConcurrencyPolicy() {
        Admission admission = sluice.admit(gated).join();
        admission.release();
        return admission;
    }

    @Benchmark
    @Threads(2)
    public Admission matchingConcurrencyPolicyTwoThreads() {
        Admission admission = sluice.admit(gated).join();
        admission.release();
        return admission;
    }

    @Benchmark
    public Admission nonMatchingRequest() {
        return sluice.admit(unmatched).join();
    }

    @Benchmark
    @Threads(2)
    public Admission nonMatchingRequestTwoThreads() {
        return sluice.admit(unmatched).join();
    }
}
