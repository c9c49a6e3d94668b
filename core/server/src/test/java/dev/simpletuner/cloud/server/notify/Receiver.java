package dev.simpletuner.cloud.server.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP endpoint that receives notifications and keeps each request. It answers from a script of
 * status codes (0 = never answer, like a receiver that hangs; 503 comes with {@code Retry-After: 1}),
 * then with {@code fallback}; a Slack
 * incoming webhook answers 200 with the body {@code ok} (api.slack.com/messaging/webhooks, "Handling
 * errors": errors are 400/403/404/410 with a plain-text reason such as {@code invalid_payload}).
 */
public final class Receiver implements AutoCloseable {
  public record Request(String path, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  public final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Deque<Integer> script = new ArrayDeque<>();
  private final int fallback;
  private final String answer;
  private final HttpServer http;

  private Receiver(int port, int fallback, String answer, List<Integer> script) {
    this.fallback = fallback;
    this.answer = answer;
    this.script.addAll(script);
    try {
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    http.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Request(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
      int status;
      synchronized (this.script) {
        status = this.script.isEmpty() ? this.fallback : this.script.poll();
      }
      if (status == 0) {
        try {
          Thread.sleep(5000); // longer than the server waits
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        status = 200;
      }
      byte[] out = (status == 200 ? this.answer : "upstream trouble").getBytes(StandardCharsets.UTF_8);
      if (status == 503) {
        exchange.getResponseHeaders().add("Retry-After", "1");
      }
      exchange.sendResponseHeaders(status, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    http.start();
  }

  public static Receiver ok(int port) {
    return new Receiver(port, 200, "", List.of());
  }

  public static Receiver slack(int port) {
    return new Receiver(port, 200, "ok", List.of());
  }

  public static Receiver scripted(int port, int fallback, Integer... script) {
    return new Receiver(port, fallback, "", List.of(script));
  }

  public String url(String path) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + path;
  }

  public List<Request> ofType(String eventType) {
    return requests.stream().filter(r -> r.body().contains("\"event_type\":\"" + eventType + "\"")).toList();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
