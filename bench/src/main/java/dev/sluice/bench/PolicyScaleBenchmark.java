package dev.sluice.bench;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import java.time.Duration;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Sluice.admit()} against many policies, node scope: {@code policies} distinct {@code /api/vN/**} rate
 * policies keyed by a header (buckets never refuse); a request matching the last one, and a request matching none.
 * The cost of a request should not grow with the number of policies. Run:
 * {@code java -jar bench/target/sluice-benchmarks.jar PolicyScaleBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class PolicyScaleBenchmark {
    @Param({"2", "10", "100", "1000", "10000"})
    public int policies;

    private Sluice sluice;
    private FixedRequest matchingLast;
    private FixedRequest matchingNone;

    @Setup(Level.Trial)
    public void start() {
        List<Policy> list = new ArrayList<>(policies);
        for (int i = 0; i < policies; i++) {
            list.add(Policy.builder("api-v" + i)
                    .match(new Match(List.of("/api/v" + i + "/**"), Set.of(), List.of()))
                    .key("header:X-Api-Key").rate(new Rate(1_000_000_000L, Duration.ofSeconds(1))).build());
        }
        sluice = Sluice.builder().policies(new PolicySet(list)).build();
        matchingLast = new FixedRequest("/api/v" + (policies - 1) + "/users/42", "X-Api-Key", "client-7");
        matchingNone = new FixedRequest("/static/logo.png", "X-Api-Key", "client-7");
    }

    @TearDown(Level.Trial)
    public void stop() {
        sluice.close();
    }

    @Benchmark
    public Admission matchingLastPolicy() {
        return sluice.admit(matchingLast).join();
    }

    @Benchmark
    public Admission matchingNoPolicy() {
        return sluice.admit(matchingNone).join();
    }
}
