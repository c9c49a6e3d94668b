package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Simultaneous idempotent submits, the concurrency limit's queue, and live SSE streams. */
class ConcurrencyAndStreamsTest extends ServerPerBackend {

  @Override
  protected String localCommand() {
    return TestServer.trainerCommand(0.05);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void simultaneousSubmitsWithOneKeyCreateOneJob(Backend backend) throws Exception {
    Api api = api(backend);
    long before = api.get("/api/cloud/jobs?limit=1").json().getLong("total");
    String key = "gh-" + UUID.randomUUID();
    JsonObject body = new JsonObject().put("config", Configs.lora(1))
        .put("idempotency_key", key);
    int clients = 24;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<JsonObject>> results = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      results.add(pool.submit(() -> {
        go.await();
        Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
      }));
    }
    go.countDown();
    Set<String> ids = new HashSet<>();
    int fresh = 0;
    for (Future<JsonObject> f : results) {
      JsonObject r = f.get();
      ids.add(r.getString("job_id"));
      fresh += r.getBoolean("idempotent_hit") ? 0 : 1;
    }
    pool.shutdown();
    assertThat(ids).hasSize(1);
    assertThat(fresh).isEqualTo(1);
    assertThat(api.get("/api/cloud/jobs?limit=1").json().getLong("total")).isEqualTo(before + 1);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void jobsBeyondTheConcurrencyLimitWaitInOrder(Backend backend) {
    Api api = api(backend);
    JsonObject longJob = new JsonObject().put("config", Configs.lora(100000));
    String first = api.post("/api/cloud/jobs/submit?provider=local", longJob).json().getString("job_id");
    api.waitForStatus(first, "running");
    String second = api.post("/api/cloud/jobs/submit?provider=local", longJob).json().getString("job_id");
    String third = api.post("/api/cloud/jobs/submit?provider=local", longJob).json().getString("job_id");
    assertThat(api.job(second).getString("status")).isEqualTo("queued");
    assertThat(api.job(second).getInteger("queue_position")).isEqualTo(1);
    assertThat(api.job(third).getInteger("queue_position")).isEqualTo(2);

    api.postEmpty("/api/cloud/jobs/" + first + "/cancel");
    api.waitForStatus(second, "running");
    assertThat(api.job(third).getInteger("queue_position")).isEqualTo(1);
    api.postEmpty("/api/cloud/jobs/" + third + "/cancel");
    assertThat(api.job(third).getString("status")).isEqualTo("cancelled");
    api.postEmpty("/api/cloud/jobs/" + second + "/cancel");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void logStreamDeliversLiveLinesThenDoneAndResumes(Backend backend) throws Exception {
    Api api = api(backend);
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()
            .put("--max_train_steps", 30).put("--checkpointing_steps", 5))).json().getString("job_id");
    List<String> frames = stream(api.base() + "/api/cloud/jobs/" + jobId + "/logs/stream", null);
    // The trainer's bar is one line, redrawn until it ends; log lines cut into it.
    assertThat(frames).anyMatch(l -> l.startsWith("data: Saved checkpoint-5 to "))
        .anyMatch(l -> l.startsWith("data: Epoch 1/1 Steps: 100%|##########| 30/30 ["))
        .containsSubsequence("data: training complete", "event: done", "data: completed");
    // Resume after line 5: only later lines come back.
    List<String> resumed = stream(api.base() + "/api/cloud/jobs/" + jobId + "/logs/stream", "5");
    assertThat(resumed).doesNotContain("id: 5").contains("id: 6").contains("event: done");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void eventStreamPushesJobChanges(Backend backend) throws Exception {
    Api api = api(backend);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<Stream<String>> response = client.send(HttpRequest.newBuilder(
        URI.create(api.base() + "/api/cloud/events")).build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(3))).json().getString("job_id");
    try (Stream<String> lines = response.body()) {
      boolean sawCompleted = lines.filter(l -> l.startsWith("data: {"))
          .map(l -> new JsonObject(l.substring(6)))
          .anyMatch(j -> jobId.equals(j.getString("job_id")) && "completed".equals(j.getString("status")));
      assertThat(sawCompleted).isTrue();
    }
  }

  private static List<String> stream(String url, String lastEventId) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (Stream<String> lines = response.body()) {
      return lines.toList();
    }
  }
}
