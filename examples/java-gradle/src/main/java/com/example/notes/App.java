package com.example.notes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An in-memory notes service on the JDK's own HTTP server: GET / lists the notes, POST / adds
 * one, /healthz answers ok. The JVM's shutdown hook stops the server on SIGTERM.
 */
public final class App {
    private static final int MAX_NOTE_BYTES = 4096;

    private App() {}

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        List<String> notes = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
        server.createContext("/", exchange -> {
            switch (exchange.getRequestMethod()) {
                case "GET" -> respond(exchange, 200, String.join("\n", notes) + "\n");
                case "POST" -> {
                    try (InputStream in = exchange.getRequestBody()) {
                        byte[] body = in.readNBytes(MAX_NOTE_BYTES);
                        notes.add(new String(body, StandardCharsets.UTF_8).strip());
                    }
                    respond(exchange, 201, "added\n");
                }
                default -> respond(exchange, 405, "method not allowed\n");
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(2)));
        server.start();
        System.out.println("listening on port " + port);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
