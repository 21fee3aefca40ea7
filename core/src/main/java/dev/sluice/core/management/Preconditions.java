package dev.sluice.core.management;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The conditional headers of a call on one policy, per RFC 9110 §13.1: {@code If-Match} and {@code If-None-Match},
 * each {@code *} or a comma-separated list of entity-tags ({@code "7"}, {@code W/"7"}). A policy's entity-tag is
 * its version in quotes. {@code If-Match} compares strongly (a weak tag never matches), {@code If-None-Match}
 * weakly. A well-formed tag that is no version of the policy simply does not match (412); a header that is not
 * {@code *} or a list of entity-tags is malformed (400).
 *
 * @param ifMatch     the {@code If-Match} header, or null
 * @param ifNoneMatch the {@code If-None-Match} header, or null
 * @param problem     a 400 when a header is malformed, else null
 */
record Preconditions(Tags ifMatch, Tags ifNoneMatch, ManagementResponse problem) {
    private static final Preconditions NONE = new Preconditions(null, null, null);

    /** One header's value: {@code *}, or the entity-tags listed. */
    record Tags(boolean any, List<Tag> tags) { }

    /** An entity-tag: its opaque part, quotes included, and whether it is weak. */
    record Tag(boolean weak, String opaque) { }

    static Preconditions of(ManagementRequest request) {
        String ifMatch = request.headers().get("If-Match");
        String ifNoneMatch = request.headers().get("If-None-Match");
        if (ifMatch == null && ifNoneMatch == null) {
            return NONE;
        }
        Tags match = ifMatch == null ? null : parse(ifMatch);
        Tags noneMatch = ifNoneMatch == null ? null : parse(ifNoneMatch);
        if ((ifMatch != null && match == null) || (ifNoneMatch != null && noneMatch == null)) {
            String name = ifMatch != null && match == null ? "If-Match" : "If-None-Match";
            String value = name.equals("If-Match") ? ifMatch : ifNoneMatch;
            return new Preconditions(null, null, Problems.of(400, "bad-precondition", "Malformed conditional header",
                    name + " must be '*' or a comma-separated list of entity-tags such as \"7\" (the ETag a GET "
                            + "returned); got '" + Json.clip(value) + "'."));
        }
        return new Preconditions(match, noneMatch, null);
    }

    /** Whether the call has any condition. */
    boolean any() {
        return ifMatch != null || ifNoneMatch != null;
    }

    /**
     * Whether the conditions hold for the policy's current version (null: there is no such policy): If-Match first,
     * then If-None-Match, as RFC 9110 §13.2.2 orders them.
     */
    boolean hold(Long version) {
        if (ifMatch != null && !matches(ifMatch, version, true)) {
            return false;
        }
        return ifNoneMatch == null || !matches(ifNoneMatch, version, false);
    }

    /** Whether If-None-Match alone failed, as a GET sees it: then the answer is 304, not 412. */
    boolean notModified(Long version) {
        return (ifMatch == null || matches(ifMatch, version, true)) && ifNoneMatch != null
                && matches(ifNoneMatch, version, false);
    }

    /** 412 naming the policy, its current version and the conditions it failed. */
    ManagementResponse failed(String policy, Long version) {
        StringBuilder sent = new StringBuilder();
        if (ifMatch != null) {
            sent.append("If-Match: ").append(render(ifMatch));
        }
        if (ifNoneMatch != null) {
            sent.append(sent.length() > 0 ? ", " : "").append("If-None-Match: ").append(render(ifNoneMatch));
        }
        String now = version == null ? "does not exist" : "is at version " + version + " (ETag \"" + version + "\")";
        return Problems.of(412, "stale-version", "Precondition failed", "Policy '" + policy + "' " + now
                + ", which fails " + Json.clip(sent.toString())
                + ". Read the policy again (GET) and retry with its ETag.",
                version == null ? Map.of("policy", policy) : Map.of("policy", policy, "current-version", version));
    }

    private static boolean matches(Tags tags, Long version, boolean strong) {
        if (version == null) {
            return false;
        }
        if (tags.any()) {
            return true;
        }
        String current = "\"" + version + "\"";
        for (Tag tag : tags.tags()) {
            if ((!strong || !tag.weak()) && tag.opaque().equals(current)) {
                return true;
            }
        }
        return false;
    }

    private static String render(Tags tags) {
        if (tags.any()) {
            return "*";
        }
        List<String> each = new ArrayList<>();
        for (Tag tag : tags.tags()) {
            each.add((tag.weak() ? "W/" : "") + tag.opaque());
        }
        return String.join(", ", each);
    }

    /**
     * {@code "*" / 1#entity-tag} (RFC 9110 §13.1.1): {@code entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE}, {@code etagc
     * = %x21 / %x23-7E / obs-text}, list elements separated by commas and optional whitespace, empty elements
     * ignored (RFC 9110 §5.6.1). Null when malformed.
     */
    static Tags parse(String value) {
        String text = value.strip();
        if (text.equals("*")) {
            return new Tags(true, List.of());
        }
        List<Tag> tags = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ',' || c == ' ' || c == '\t') {
                i++;
                continue;
            }
            boolean weak = text.startsWith("W/", i);
            int open = weak ? i + 2 : i;
            if (open >= n || text.charAt(open) != '"') {
                return null;
            }
            int close = open + 1;
            while (close < n && text.charAt(close) != '"') {
                char e = text.charAt(close);
                if (e < 0x21 || e == 0x7F || e > 0xFF) {
                    return null;
                }
                close++;
            }
            if (close >= n) {
                return null;
            }
            tags.add(new Tag(weak, text.substring(open, close + 1)));
            i = close + 1;
            // after a tag: only whitespace up to the next comma, or the end
            while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && text.charAt(i) != ',') {
                return null;
            }
        }
        return tags.isEmpty() ? null : new Tags(false, List.copyOf(tags));
    }
}
