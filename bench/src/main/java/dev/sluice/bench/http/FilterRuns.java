package dev.sluice.bench.http;

import dev.sluice.bench.FilterBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link FilterBenchmark} through JMH's API with short iterations (2 × 1 s warm-up, 3 × 1 s measured, one fork per
 * benchmark), for the suite's report; JMH's own output goes to {@code filter-jmh.log} in the work directory. For
 * steadier figures run it alone: {@code bench/run.sh jmh FilterBenchmark}. Blocking.
 */
final class FilterRuns {
    /** The report's order: the floor, then the filter's cheapest path to its dearest. */
    private static final List<String> ORDER = List.of("chainOnly", "noPolicyMatches", "nodeScopeRate",
            "clusterScopeRate");

    private FilterRuns() {}

    /** One benchmark's figure. */
    record Row(String benchmark, double nanos, double error) { }

    static List<Row> run(Path workDir) throws Exception {
        Options options = new OptionsBuilder()
                .include(FilterBenchmark.class.getName() + "\\.")
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .forks(1)
                .output(workDir.resolve("filter-jmh.log").toString())
                .build();
        LoadHarness.log("JMH FilterBenchmark (output in " + workDir.resolve("filter-jmh.log") + ")");
        Collection<RunResult> results = new Runner(options).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            rows.add(new Row(name.substring(name.lastIndexOf('.') + 1), result.getPrimaryResult().getScore(),
                    result.getPrimaryResult().getScoreError()));
        }
        rows.sort(java.util.Comparator.comparingInt(row -> ORDER.indexOf(row.benchmark())));
        return rows;
    }

    static String table(List<Row> rows) {
        double floor = rows.stream().filter(row -> row.benchmark().equals("chainOnly")).mapToDouble(Row::nanos)
                .findFirst().orElse(Double.NaN);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nSluiceFilter.doFilter alone (JMH, average ns per call, one thread; "
                + "Δ = minus chainOnly, the recycled request/response and the hello chain without a filter)%n"));
        String header = String.format(Locale.ROOT, "| %-22s | %12s | %12s | %12s |%n", "benchmark", "ns/call", "±",
                "Δ ns");
        out.append(header).append(header.replaceAll("[^|\\n]", "-"));
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "| %-22s | %12.1f | %12.1f | %+12.1f |%n", row.benchmark(),
                    row.nanos(), row.error(), row.nanos() - floor));
        }
        return out.toString();
    }
}
