package dev.sluice.bench.servlet;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

/** A filter's name, context and init-parameters, as a container hands them to {@code Filter.init}. Immutable. */
public record BenchFilterConfig(String name, ServletContext context, Map<String, String> parameters)
        implements FilterConfig {
    public BenchFilterConfig {
        parameters = Map.copyOf(parameters);
    }

    @Override
    public String getFilterName() {
        return name;
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    @Override
    public String getInitParameter(String parameter) {
        return parameters.get(parameter);
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(parameters.keySet());
    }
}
