package dev.sluice.boot.servlet;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code sluice.filter.*}: how the servlet starter registers {@code SluiceFilter}. */
@ConfigurationProperties("sluice.filter")
public class SluiceFilterProperties {
    /** Whether the filter is registered. */
    private boolean enabled = true;
    /**
     * Its position among the application's filters (lower runs earlier). Unset: right after Spring Security's filter
     * chain when there is one (so {@code key: principal} sees the signed-in user), else first.
     */
    private Integer order;
    /** The URL patterns it applies to; policies' {@code match} narrows further. */
    private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public Integer getOrder() { return order; }
    public void setOrder(Integer order) { this.order = order; }
    public List<String> getUrlPatterns() { return urlPatterns; }
    public void setUrlPatterns(List<String> urlPatterns) { this.urlPatterns = urlPatterns; }
}
