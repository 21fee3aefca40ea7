package dev.sluice.core.config;

/**
 * One field of a configuration record is invalid. Thrown by record constructors; the parser turns it into a
 * {@link ConfigException} that also names the source and the line of the field.
 *
 * @see ConfigException
 */
public final class FieldException extends IllegalArgumentException {
    private final String field;
    private final String problem;
    private final Object value;

    public FieldException(String field, String problem, Object value) {
        super(field + " " + problem + (value == null ? "" : ", got " + render(value)));
        this.field = field;
        this.problem = problem;
        this.value = value;
    }

    /** The field's path relative to the record that threw, e.g. {@code limit} or {@code burst}. */
    public String field() { return field; }

    /** What is wrong and what is allowed, e.g. {@code must be a positive integer}. */
    public String problem() { return problem; }

    /** The rejected value, or null when the field is missing. */
    public Object value() { return value; }

    /** Renders a rejected value the way messages show it: strings quoted and cut to a readable length. */
    public static String render(Object value) {
        if (value instanceof CharSequence s) {
            String text = s.length() > 80 ? s.subSequence(0, 77) + "..." : s.toString();
            return '"' + text + '"';
        }
        return String.valueOf(value);
    }

    /** This exception with {@code prefix.} in front of the field, for nested records. */
    public FieldException within(String prefix) {
        return new FieldException(prefix + "." + field, problem, value);
    }
}
