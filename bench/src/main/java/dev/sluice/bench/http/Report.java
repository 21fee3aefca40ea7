package dev.sluice.bench.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The harness's figures per variant across rounds, and the table it prints (medians, ratios to the baseline). */
final class Report {
    private final List<Variant> variants;
    private final boolean wrk;
    private final Map<Variant, List<Double>> saturatedRps = new EnumMap<>(Variant.class);
    private final Map<Variant, List<Double>> saturatedP99 = new EnumMap<>(Variant.class);
    private final Map<Variant, List<Double>> cpuMicros = new EnumMap<>(Variant.class);
    private final Map<Variant, List<Double>> fixedP99 = new EnumMap<>(Variant.class);
    private final Map<Variant, List<Double>> fixedRps = new EnumMap<>(Variant.class);
    private final Map<Variant, Long> errors = new EnumMap<>(Variant.class);
    private double offered;

    Report(List<Variant> variants, boolean wrk) {
        this.variants = variants;
        this.wrk = wrk;
        for (Variant variant : variants) {
            saturatedRps.put(variant, new ArrayList<>());
            saturatedP99.put(variant, new ArrayList<>());
            cpuMicros.put(variant, new ArrayList<>());
            fixedP99.put(variant, new ArrayList<>());
            fixedRps.put(variant, new ArrayList<>());
            errors.put(variant, 0L);
        }
    }

    void saturated(Variant variant, LoadHarness.Saturation result) {
        saturatedRps.get(variant).add(result.perSecond());
        saturatedP99.get(variant).add(result.p99Millis());
    }

    void fixed(Variant variant, double cpuPerRequest, double p99Millis, double perSecond, long failed) {
        cpuMicros.get(variant).add(cpuPerRequest);
        fixedP99.get(variant).add(p99Millis);
        fixedRps.get(variant).add(perSecond);
        errors.merge(variant, failed, Long::sum);
    }

    void offeredRate(double rate) {
        this.offered = rate;
    }

    double medianPerSecond(Variant variant) {
        return median(saturatedRps.get(variant));
    }

    double medianCpuMicros(Variant variant) {
        return median(cpuMicros.get(variant));
    }

    double medianFixedP99(Variant variant) {
        return median(fixedP99.get(variant));
    }

    double medianSaturatedP99(Variant variant) {
        return median(saturatedP99.get(variant));
    }

    long errors(Variant variant) {
        return errors.get(variant);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    String table() {
        double baseRps = medianPerSecond(variants.get(0));
        double baseP99 = medianSaturatedP99(variants.get(0));
        double baseCpu = medianCpuMicros(variants.get(0));
        double baseFixedP99 = medianFixedP99(variants.get(0));
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nLoad: medians of %d interleaved rounds. Saturating: %s. Fixed rate: "
                        + "%.0f req/s offered open-loop over 16 connections (60 %% of the baseline's median, at most "
                        + "%.0f/s), server CPU per answered request and p99 from the intended send times.%n",
                saturatedRps.get(variants.get(0)).size(), wrk ? "wrk -t1 -c32" : "built-in closed loop, 32 connections",
                offered, LoadHarness.MAX_FIXED_RATE));
        String header = String.format(Locale.ROOT, "| %-48s | %9s | %6s | %8s | %8s | %9s | %9s | %8s | %9s | %9s |%n",
                "variant", "req/s", "ratio", "p99 ms", "p99 Δ", "@rate r/s", "CPU µs/rq", "CPU Δ µs", "p99@rate",
                "p99@rate Δ");
        out.append(header).append(header.replaceAll("[^|\\n]", "-"));
        for (Variant variant : variants) {
            double rps = medianPerSecond(variant);
            double p99 = medianSaturatedP99(variant);
            double cpu = medianCpuMicros(variant);
            double fixed = medianFixedP99(variant);
            out.append(String.format(Locale.ROOT,
                    "| %-48s | %9.0f | %5.2fx | %8.2f | %+7.0f%% | %9.0f | %9.1f | %+8.1f | %9.2f | %+8.0f%% |%n",
                    variant.label(), rps, rps / baseRps, p99, 100 * (p99 / baseP99 - 1), median(fixedRps.get(variant)),
                    cpu, cpu - baseCpu, fixed,
                    100 * (fixed / baseFixedP99 - 1)));
        }
        for (Variant variant : variants) {
            if (errors(variant) > 0) {
                out.append(String.format(Locale.ROOT, "note: %s: %d requests of the fixed-rate rounds unanswered "
                        + "(unsent at the end, in flight after 2 s, refused or failed)%n",
                        variant.label(), errors(variant)));
            }
        }
        return out.toString();
    }
}
