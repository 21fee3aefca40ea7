package dev.sluice.core.config;

/**
 * One part of a policy's key.
 *
 * @param kind what the part reads from the request
 * @param name the header, parameter or cookie name for those kinds; null for the others
 */
public record KeyPart(Kind kind, String name) {
    public enum Kind {
        IP("ip"), HEADER("header"), PARAM("param"), COOKIE("cookie"), PRINCIPAL("principal"), PATH("path"),
        METHOD("method"), GLOBAL("global");

        private final String word;

        Kind(String word) { this.word = word; }

        public String word() { return word; }

        public boolean named() { return this == HEADER || this == PARAM || this == COOKIE; }
    }

    public KeyPart {
        Checks.required("kind", kind);
        if (kind.named() && (name == null || name.isEmpty() || name.length() > 256)) {
            throw new FieldException("key", kind.word() + ": needs a name of 1 to 256 characters, as in "
                    + kind.word() + ":X-Api-Key", name);
        }
        if (kind == Kind.HEADER && !HeaderNames.isToken(name)) {
            throw new FieldException("key", "header: needs an HTTP header name", name);
        }
        if (!kind.named() && name != null) {
            throw new FieldException("key", kind.word() + " takes no name", kind.word() + ":" + name);
        }
    }

    @Override
    public String toString() {
        return name == null ? kind.word() : kind.word() + ":" + name;
    }
}
