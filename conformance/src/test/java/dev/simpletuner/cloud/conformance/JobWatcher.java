package dev.simpletuner.cloud.conformance;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches one job through the live stream a browser uses ({@code GET /api/cloud/events}): every
 * change of the job as it was published, and its timeline entries, in order.
 */
final class JobWatcher implements AutoCloseable {
  private final List<JsonObject> changes = new ArrayList<>();
  private final List<JsonObject> timeline = new ArrayList<>();
  private final Thread reader;
  private volatile boolean closed;

  JobWatcher(String base, String jobId) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/cloud/events?job_id=" + jobId))
        .timeout(Duration.ofMinutes(5)).build();
    java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
    reader = new Thread(() -> {
      try {
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          String event = null;
          String line;
          while (!closed && (line = in.readLine()) != null) {
            if (line.startsWith(": connected")) {
              connected.countDown();
            } else if (line.startsWith("event: ")) {
              event = line.substring(7);
            } else if (line.startsWith("data: ") && event != null) {
              JsonObject data = new JsonObject(line.substring(6));
              synchronized (this) {
                (event.equals("job") ? changes : timeline).add(data);
              }
            }
          }
        }
      } catch (Exception e) {
        if (!closed) {
          e.printStackTrace();
        }
      } finally {
        connected.countDown();
      }
    }, "job-watcher");
    reader.setDaemon(true);
    reader.start();
    try {
      connected.await(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized List<JsonObject> changes() {
    return List.copyOf(changes);
  }

  synchronized List<JsonObject> timeline() {
    return List.copyOf(timeline);
  }

  @Override
  public void close() {
    closed = true;
    reader.interrupt();
  }
}
