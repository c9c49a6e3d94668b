package dev.simpletuner.cloud.server.support;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The worker agent's side of the wire, as SimpleTuner's worker_agent.py speaks it: the same
 * routes, header, bodies, and the same reading of the stream (only {@code data: } lines, one JSON
 * object each). For the server's own tests of what the real agent (run in the conformance suite)
 * cannot be made to do on cue.
 */
public final class WireAgent implements AutoCloseable {
  public static final String HEADER = "X-Worker-Token";
  private final Api api;
  private final String token;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private volatile String workerId;
  private volatile Thread reader;
  private volatile boolean streamEnded;
  private volatile java.io.InputStream body;

  public WireAgent(Api api, String token) {
    this.api = api;
    this.token = token;
  }

  /** worker_agent.py:188-217. */
  public Api.Response register(String name, boolean persistent, String currentJobId) {
    JsonObject body = new JsonObject().put("name", name).put("gpu_info", new JsonObject().put("name", "Test GPU")
        .put("vram_gb", 24).put("count", 1).put("accelerator", "cuda")).put("persistent", persistent)
        .put("current_job_id", currentJobId);
    Api.Response r = api.post("/api/workers/register", body, HEADER, token);
    if (r.status() == 200) {
      workerId = r.json().getString("worker_id");
    }
    return r;
  }

  public String workerId() {
    return workerId;
  }

  /** worker_agent.py:219-266: reads the stream on a thread of its own. */
  public void openStream() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(api.base() + "/api/workers/stream?worker_id=" + workerId))
        .header(HEADER, token).build();
    java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    streamEnded = false;
    reader = new Thread(() -> {
      try {
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        body = response.body();
        open.countDown();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
              events.add(new JsonObject(line.substring(6)));
            }
          }
        }
      } catch (Exception e) {
        // the stream ended
      } finally {
        streamEnded = true;
        open.countDown();
      }
    }, "wire-agent");
    reader.setDaemon(true);
    reader.start();
    open.await(10, TimeUnit.SECONDS);
  }

  public boolean streamEnded() {
    return streamEnded;
  }

  /** The next event that is not a ping, or null after {@code timeout}. */
  public JsonObject next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (event == null || !"ping".equals(event.getString("type"))) {
        return event;
      }
    }
  }

  /** worker_agent.py:452-465. */
  public Api.Response heartbeat(String status, String currentJobId) {
    return api.post("/api/workers/heartbeat", new JsonObject().put("worker_id", workerId).put("status", status)
        .put("current_job_id", currentJobId), HEADER, token);
  }

  /** worker_agent.py:425-444. */
  public Api.Response status(String jobId, String status, String error) {
    return api.post("/api/workers/job/" + jobId + "/status", new JsonObject().put("status", status)
        .put("error", error), HEADER, token);
  }

  /** worker_agent.py:469-483. */
  public Api.Response queue() {
    return api.get("/api/workers/queue?worker_id=" + workerId, HEADER, token);
  }

  /** worker_agent.py:486-500. */
  public Api.Response disconnect() {
    return api.post("/api/workers/disconnect", new JsonObject().put("worker_id", workerId), HEADER, token);
  }

  @Override
  public void close() {
    try {
      if (body != null) {
        body.close();
      }
    } catch (java.io.IOException e) {
      // closing anyway
    }
  }
}
