package dev.simpletuner.cloud.server.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A job handed to its provider twice (two instances both believed they held its claim): the copy
 * is billed until cancelled, so its cancel is tried again while Replicate fails, and the outcome
 * is recorded on the job's timeline, with what to do by hand when it never succeeds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrayCopyTest {
  private FakeReplicate replicate;
  private TestServer server;
  private Api api;

  @BeforeAll
  void start() {
    replicate = FakeReplicate.start();
    server = TestServer.withReplicate(Backend.SQLITE, replicate, Map.of());
    api = server.api();
  }

  @AfterAll
  void stop() {
    server.close();
    replicate.close();
  }

  @Test
  void aCopyIsCancelledOnceReplicateAnswersAgain() throws Exception {
    String jobId = dispatchedJob();
    String copy = copyOf(jobId);
    // Every try of the provider client's own (5) fails once; the dispatcher's second attempt gets through.
    replicate.failNext(HttpMethod.POST, "/v1/predictions/" + copy + "/cancel", 500, 5, null);
    settleElsewhere(jobId, copy, new Dispatcher.Retry(3, 100));
    assertThat(replicate.prediction(copy).getString("status")).isEqualTo("canceled");
    JsonObject note = timelineEntry(jobId, "note");
    assertThat(note.getString("message")).contains(copy).contains("was cancelled");
    assertThat(replicate.prediction(original(jobId)).getString("status")).isNotEqualTo("canceled");
  }

  @Test
  void aCopyThatCannotBeCancelledIsRecordedOnTheJob() throws Exception {
    String jobId = dispatchedJob();
    String copy = copyOf(jobId);
    replicate.failNext(HttpMethod.POST, "/v1/predictions/" + copy + "/cancel", 503, 100, null);
    settleElsewhere(jobId, copy, new Dispatcher.Retry(2, 100));
    assertThat(replicate.prediction(copy).getString("status")).isNotEqualTo("canceled");
    JsonObject error = timelineEntry(jobId, "error");
    assertThat(error.getString("message")).contains(copy).contains("could not be cancelled and may be billed")
        .contains("Cancel it at the provider");
    assertThat(error.getString("external_id")).isEqualTo(copy);
  }

  private String dispatchedJob() {
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", new JsonObject()
        .put("config", Configs.lora(100000))).json().getString("job_id");
    api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30));
    return jobId;
  }

  private String original(String jobId) {
    return api.job(jobId).getString("external_id");
  }

  /** A second prediction of the same model, as the slower instance's submit made it. */
  private String copyOf(String jobId) throws Exception {
    JsonObject first = replicate.prediction(original(jobId));
    HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(replicate.baseUrl() + "/v1/predictions"))
        .header("Authorization", "Bearer " + FakeReplicate.TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("version", first.getString("model") + ":" + FakeReplicate.VERSION_ID)
            .put("input", new JsonObject()).encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return new JsonObject(created.body()).getString("id");
  }

  /**
   * What the slower instance does when its submit returns: it records the answer fenced by its
   * claim, which another instance settled meanwhile (the stored job's claim is not the one it holds).
   */
  private void settleElsewhere(String jobId, String copy, Dispatcher.Retry retry) throws Exception {
    ServerContext ctx = server.server().context();
    var vertx = server.server().vertx();
    Job stored = ctx.store().jobs().get(jobId).toCompletionStage().toCompletableFuture().get().orElseThrow();
    Job staleClaim = new Job(stored.jobId(), stored.ownerId(), stored.jobType(), stored.provider(), stored.status(),
        stored.configName(), stored.trackerRunName(), stored.hardwareProfile(), stored.hardwareType(),
        stored.costPerSecond(), stored.costUsd(), stored.estimatedCostUsd(), stored.createdAt(), stored.updatedAt(),
        stored.startedAt(), stored.completedAt(), stored.dispatchedAt() - 1, stored.externalId(), "other-instance",
        stored.errorMessage(), stored.outputUrl(), stored.progress(), stored.config(), stored.dataloaderConfig(),
        stored.metadata(), stored.delivery(), stored.version());
    Dispatcher slower = new Dispatcher(vertx, ctx, new JobEvents(vertx, ctx), new PerJobQueue(), retry);
    slower.accepted(staleClaim, new SubmittedJob(copy, ProviderStatus.QUEUED, null))
        .toCompletionStage().toCompletableFuture().get();
  }

  private JsonObject timelineEntry(String jobId, String type) {
    return api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> type.equals(e.getString("type"))).findFirst()
        .map(e -> e.getJsonObject("data")).orElseThrow(() -> new AssertionError("no " + type + " entry on "
            + api.get("/api/cloud/jobs/" + jobId + "/events").body()));
  }
}
