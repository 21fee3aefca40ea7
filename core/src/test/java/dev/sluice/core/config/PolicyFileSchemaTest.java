package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The JSON Schema for policy files that the jar ships, for editors: it knows exactly the parser's fields. */
class PolicyFileSchemaTest {
    private static JsonNode schema() throws Exception {
        try (InputStream in = PolicyParser.class.getResourceAsStream("policy-file.schema.json")) {
            assertThat(in).as("dev/sluice/core/config/policy-file.schema.json in the jar").isNotNull();
            return JsonMapper.builder().build().readTree(in);
        }
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.get("properties").propertyNames().forEach(names::add);
        return names;
    }

    @Test
    void itDescribesTheFieldsTheParserReads() throws Exception {
        JsonNode schema = schema();
        assertThat(names(schema)).containsExactlyInAnyOrderElementsOf(PolicyBinder.SET_FIELDS);
        JsonNode policy = schema.get("$defs").get("policy");
        assertThat(names(policy)).containsExactlyInAnyOrderElementsOf(PolicyBinder.POLICY_FIELDS);
        assertThat(names(policy.get("properties").get("rate"))).containsExactlyInAnyOrder("limit", "period", "burst");
        assertThat(names(policy.get("properties").get("queue"))).containsExactlyInAnyOrderElementsOf(PolicyBinder.QUEUE_FIELDS);
        assertThat(names(policy.get("properties").get("concurrency"))).containsExactlyInAnyOrder("permits", "lease");
    }

    @Test
    void unknownFieldsAreErrorsAsInTheParser() throws Exception {
        JsonNode schema = schema();
        assertThat(schema.get("additionalProperties").asBoolean(true)).isFalse();
        JsonNode policy = schema.get("$defs").get("policy");
        assertThat(policy.get("additionalProperties").asBoolean(true)).isFalse();
        for (String field : List.of("match", "rate", "quota", "concurrency", "queue", "reject")) {
            assertThat(policy.get("properties").get(field).get("additionalProperties").asBoolean(true)).as(field)
                    .isFalse();
        }
    }
}
