package dev.sluice.core.versions;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The versions of a library that Sluice is built and tested with: from {@code lowest} (inclusive) to {@code below}
 * (exclusive), compared numerically part by part ({@code 5.10.0} is above {@code 5.9.0}); a qualifier after the
 * numbers ({@code -SNAPSHOT}, {@code .Final}) is ignored.
 *
 * @param library     the name users know, e.g. {@code Hazelcast}
 * @param coordinates the Maven coordinates of the jar checked, {@code group:artifact}
 * @param lowest      the lowest version supported
 * @param below       the first version no longer supported
 * @param bootProperty the property through which {@code spring-boot-starter-parent} manages the library (an import
 *                     cannot override what a parent manages), or {@code null} when Spring Boot does not manage it
 */
public record SupportedRange(String library, String coordinates, String lowest, String below, String bootProperty) {
    /** A library Spring Boot does not manage. */
    public SupportedRange(String library, String coordinates, String lowest, String below) {
        this(library, coordinates, lowest, below, null);
    }

    public SupportedRange {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(coordinates, "coordinates");
        if (compare(lowest, below) >= 0) {
            throw new IllegalArgumentException("lowest must be below 'below': " + lowest + " / " + below);
        }
    }

    /** Whether {@code version} lies in the range; a version without a leading number never does. */
    public boolean contains(String version) {
        return numbers(version).length > 0 && compare(version, lowest) >= 0 && compare(version, below) < 0;
    }

    /** The range in Maven's notation, e.g. {@code [5.7.0,5.8)}. */
    public String notation() {
        return "[" + lowest + "," + below + ")";
    }

    /** Compares the numeric parts of two versions; missing parts count as 0 ({@code 5.8} equals {@code 5.8.0}). */
    static int compare(String a, String b) {
        int[] x = numbers(a);
        int[] y = numbers(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int left = i < x.length ? x[i] : 0;
            int right = i < y.length ? y[i] : 0;
            if (left != right) {
                return Integer.compare(left, right);
            }
        }
        return 0;
    }

    /** The leading dot-separated numbers: {@code 5.7.0-SNAPSHOT} gives 5, 7, 0. */
    static int[] numbers(String version) {
        List<Integer> parts = new ArrayList<>();
        for (String part : Objects.requireNonNull(version, "version").strip().split("\\.", -1)) {
            int end = 0;
            while (end < part.length() && end < 9 && Character.isDigit(part.charAt(end))) {
                end++;
            }
            if (end == 0) {
                break;
            }
            parts.add(Integer.parseInt(part.substring(0, end)));
            if (end < part.length()) {
                break;
            }
        }
        return parts.stream().mapToInt(Integer::intValue).toArray();
    }
}
