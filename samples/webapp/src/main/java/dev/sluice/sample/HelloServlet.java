package dev.sluice.sample;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /hello}: 200 {@code hello}. */
public class HelloServlet extends HttpServlet {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain;charset=UTF-8");
        response.setContentLength(HELLO.length);
        response.getOutputStream().write(HELLO);
    }
}
