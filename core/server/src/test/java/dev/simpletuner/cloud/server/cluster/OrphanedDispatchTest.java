package dev.simpletuner.cloud.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.store.JobStore;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A hand-over to the provider whose instance is presumed gone: another instance settles it, and the
 * presumed-gone one, answering late, cannot overwrite that (its update is fenced by its claim); the
 * copy it created is cancelled, so exactly one prediction of the job runs.
 */
class OrphanedDispatchTest {

  @Test
  void aLateAnswerFromAPresumedGoneInstanceIsFencedAndItsCopyCancelled() throws Exception {
    try (FakeReplicate replicate = FakeReplicate.start().autoRun(500, 3_000);
         TestServer server = TestServer.withReplicate(Backend.POSTGRES, replicate, Map.of())) {
      // The first create hangs for 15 s: the job is claimed and in flight to the provider.
      replicate.delayNext(HttpMethod.POST, "/v1/predictions", 15_000, 1);
      Api api = server.api();
      CompletableFuture<Api.Response> submit = CompletableFuture.supplyAsync(() ->
          api.post("/api/cloud/jobs/submit?provider=replicate", new JsonObject()
              .put("config", Configs.lora(10))
              .put("dataloader_config", new JsonArray())));
      JobStore jobs = server.server().context().store().jobs();
      String jobId = waitFor(() -> api.get("/api/cloud/jobs?limit=1").json().getJsonArray("jobs").stream()
          .map(JsonObject.class::cast).map(j -> j.getString("job_id")).findFirst().orElse(null));
      Job claimed = waitFor(() -> jobs.get(jobId).await().filter(j -> j.dispatchedAt() != null).orElse(null));

      // Make the claim look like it belongs to an instance that died (no heartbeat anywhere).
      jobs.update(jobId, null, JobUpdate.create().hostId("gone-instance"), claimed.dispatchedAt()).await();

      // The orphan sweep finds nothing at the provider yet, dispatches the job again, and the second
      // create goes through at once; then the late first create answers.
      JsonObject job = api.waitFor(jobId, j -> "completed".equals(j.getString("status")), Duration.ofSeconds(60));
      assertThat(submit.get().status()).isEqualTo(200);
      assertThat(replicate.createCount()).isEqualTo(2);
      List<JsonObject> predictions = replicate.predictions();
      assertThat(predictions).hasSize(2);
      String kept = jobs.get(jobId).await().orElseThrow().externalId();
      assertThat(predictions).filteredOn(p -> p.getString("id").equals(kept))
          .singleElement().satisfies(p -> assertThat(p.getString("status")).isEqualTo("succeeded"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!predictions.stream().filter(p -> !p.getString("id").equals(kept))
          .allMatch(p -> "canceled".equals(replicate.prediction(p.getString("id")).getString("status")))) {
        assertThat(System.nanoTime()).as("the stray copy was cancelled").isLessThan(deadline);
        Api.sleep(200);
      }
      assertThat(job.getString("status")).isEqualTo("completed");
    }
  }

  private static <T> T waitFor(java.util.function.Supplier<T> probe) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      assertThat(System.nanoTime()).as("waited too long").isLessThan(deadline);
      Api.sleep(50);
    }
  }
}
