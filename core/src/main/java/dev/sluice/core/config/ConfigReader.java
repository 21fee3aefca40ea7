package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads YAML or JSON text into {@link ConfigNode}s that remember where each value was written, within limits:
 * nesting depth 32, strings of 8 KiB, numbers of 40 digits. Duplicate keys are problems. Thread-safe.
 */
final class ConfigReader {
    static final int MAX_DEPTH = 32;
    static final int MAX_STRING = 8 * 1024;

    private final TokenStreamFactory json;
    private final TokenStreamFactory yaml;

    ConfigReader() {
        StreamReadConstraints constraints = StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                .maxStringLength(MAX_STRING).maxNameLength(1024).maxNumberLength(40).build();
        this.json = JsonFactory.builder().streamReadConstraints(constraints).build();
        this.yaml = YAMLFactory.builder().streamReadConstraints(constraints).build();
    }

    /**
     * Reads {@code text}: JSON when it starts (after blanks) with '{' or '[', else YAML.
     *
     * @return the root node, or null when problems were found (they are added to {@code problems})
     */
    ConfigNode read(String text, String source, List<ConfigException.Problem> problems) {
        String trimmed = text.stripLeading();
        boolean isJson = trimmed.startsWith("{") || trimmed.startsWith("[");
        TokenStreamFactory factory = isJson ? json : yaml;
        try (JsonParser parser = factory.createParser(ObjectReadContext.empty(), text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                problems.add(new ConfigException.Problem(source, 0, 0, "", "is empty"));
                return null;
            }
            int before = problems.size();
            ConfigNode root = readValue(parser, source, problems, 0);
            if (parser.nextToken() != null) {
                TokenStreamLocation at = parser.currentTokenLocation();
                problems.add(new ConfigException.Problem(source, at.getLineNr(), at.getColumnNr(), "",
                        "has content after the end of the document"));
            }
            return problems.size() == before ? root : null;
        } catch (JacksonException failure) {
            TokenStreamLocation at = failure.getLocation();
            problems.add(new ConfigException.Problem(source, at == null ? 0 : at.getLineNr(),
                    at == null ? 0 : at.getColumnNr(), "", "is not valid " + (isJson ? "JSON" : "YAML") + ": "
                    + failure.getOriginalMessage()));
            return null;
        }
    }

    private ConfigNode readValue(JsonParser parser, String source, List<ConfigException.Problem> problems,
            int depth) {
        TokenStreamLocation at = parser.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, ConfigNode> members = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    TokenStreamLocation nameAt = parser.currentTokenLocation();
                    parser.nextToken();
                    ConfigNode value = readValue(parser, source, problems, depth + 1);
                    if (members.containsKey(name)) {
                        problems.add(new ConfigException.Problem(source, nameAt.getLineNr(), nameAt.getColumnNr(),
                                "", "has the key \"" + name + "\" twice"));
                    }
                    members.put(name, value);
                }
                return ConfigNode.object(members, line, column);
            }
            case START_ARRAY -> {
                List<ConfigNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser, source, problems, depth + 1));
                }
                return ConfigNode.array(items, line, column);
            }
            case VALUE_STRING -> {
                return ConfigNode.scalar(ConfigNode.Kind.STRING, parser.getString(), line, column);
            }
            case VALUE_NUMBER_INT -> {
                return ConfigNode.scalar(ConfigNode.Kind.INTEGER, parser.getBigIntegerValue(), line, column);
            }
            case VALUE_NUMBER_FLOAT -> {
                if (parser.isNaN()) {
                    return ConfigNode.scalar(ConfigNode.Kind.STRING, parser.getString(), line, column);
                }
                try {
                    return ConfigNode.scalar(ConfigNode.Kind.DECIMAL, parser.getDecimalValue(), line, column);
                } catch (NumberFormatException exponentOutOfRange) {
                    // e.g. 1e-3000000000: no field takes a decimal, so the binder refuses it naming the field
                    // and showing this text.
                    return ConfigNode.scalar(ConfigNode.Kind.DECIMAL, parser.getString(), line, column);
                }
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return ConfigNode.scalar(ConfigNode.Kind.BOOLEAN, token == JsonToken.VALUE_TRUE, line, column);
            }
            case VALUE_NULL -> {
                return ConfigNode.scalar(ConfigNode.Kind.NULL, null, line, column);
            }
            default -> {
                problems.add(new ConfigException.Problem(source, line, column, "",
                        "has an unsupported value (" + token + ")"));
                return ConfigNode.scalar(ConfigNode.Kind.NULL, null, line, column);
            }
        }
    }
}
