package dev.sluice.core.config;

import java.util.List;

/**
 * A configuration was refused. Carries every problem found, each naming the source, the line and column where
 * known, the field and what is allowed, e.g. {@code sluice.yaml line 7: rate.limit must be an integer from 1 to
 * 1000000000, got -5}. Nothing of a refused configuration is applied.
 */
public final class ConfigException extends RuntimeException {
    private final List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(render(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public ConfigException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }

    /**
     * One problem.
     *
     * @param source  where the configuration came from (a file name, {@code request body}); may be null
     * @param line    1-based line, or 0 when unknown
     * @param column  1-based column, or 0 when unknown
     * @param field   the field's path, e.g. {@code policies[0].rate.limit}; may be empty for the document itself
     * @param message what is wrong and what is allowed, including the rejected value
     */
    public record Problem(String source, int line, int column, String field, String message) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            if (source != null) {
                text.append(source);
            }
            if (line > 0) {
                text.append(text.length() > 0 ? " " : "").append("line ").append(line);
                if (column > 0) {
                    text.append(" column ").append(column);
                }
            }
            if (text.length() > 0) {
                text.append(": ");
            }
            if (field != null && !field.isEmpty()) {
                text.append(field).append(' ');
            }
            return text.append(message).toString();
        }
    }

    private static String render(List<Problem> problems) {
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        StringBuilder text = new StringBuilder(problems.size() + " problems:");
        for (Problem problem : problems) {
            text.append("\n  ").append(problem);
        }
        return text.toString();
    }
}
