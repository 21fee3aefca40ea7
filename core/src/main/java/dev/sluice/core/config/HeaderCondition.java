package dev.sluice.core.config;

/**
 * A header a request must carry for a policy to match: present with any value when {@code value} is null, else
 * equal to {@code value} (case-sensitive; the header name is not).
 */
public record HeaderCondition(String name, String value) {
    public HeaderCondition {
        if (!HeaderNames.isToken(name)) {
            throw new FieldException("name", "must be an HTTP header name (letters, digits, '-', '_')", name);
        }
    }
}
