package dev.sluice.bench.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;

/**
 * For the accuracy runs: a filter in front of Sluice that notes when each request reached the server
 * ({@link System#nanoTime()}, which on Linux counts from the same origin in every process of the machine), and a
 * servlet that hands the times out ({@code GET}, one number a line, in arrival order). A gap between two arrivals is
 * a time in which the limiter saw no request, whatever paused (the client, the server, the machine). Thread-safe;
 * 8 bytes a request, kept until the JVM ends.
 */
final class ArrivalRecorder {
    private long[] arrivals = new long[16 * 1024];
    private int count;

    private synchronized void note(long nanos) {
        if (count == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, arrivals.length * 2);
        }
        arrivals[count++] = nanos;
    }

    private synchronized long[] snapshot() {
        return Arrays.copyOf(arrivals, count);
    }

    /** The filter that notes arrivals. */
    Filter filter() {
        return new Filter() {
            @Override
            public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                    throws IOException, ServletException {
                note(System.nanoTime());
                chain.doFilter(request, response);
            }
        };
    }

    /** The servlet that lists them. */
    HttpServlet servlet() {
        return new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                PrintWriter out = response.getWriter();
                for (long arrival : snapshot()) {
                    out.println(arrival);
                }
            }
        };
    }
}
