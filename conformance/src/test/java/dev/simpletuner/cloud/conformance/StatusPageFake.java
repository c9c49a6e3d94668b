package dev.simpletuner.cloud.conformance;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A provider status page as Atlassian Statuspage serves it ({@code GET /api/v2/summary.json}, the
 * format of status.replicate.com): a major incident under way and one maintenance scheduled.
 */
final class StatusPageFake {
  private static final String SUMMARY = """
      {"page": {"id": "p1", "name": "Replicate", "url": "https://status.replicate.com",
                "time_zone": "Etc/UTC", "updated_at": "2026-12-01T10:00:00.000Z"},
       "status": {"indicator": "major", "description": "Partial System Outage"},
       "components": [{"id": "c1", "name": "Predictions", "status": "degraded_performance"}],
       "incidents": [{"id": "i1", "name": "Slow cold boots", "status": "investigating", "impact": "major",
                      "shortlink": "https://stspg.io/i1"}],
       "scheduled_maintenances": [{"id": "m1", "name": "Database upgrade", "status": "scheduled",
                                   "impact": "maintenance", "scheduled_for": "2026-12-05T02:00:00.000Z"}]}
      """;

  private StatusPageFake() {
  }

  static HttpServer start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v2/summary.json", exchange -> {
      byte[] body = SUMMARY.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  static String url(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2/summary.json";
  }
}
