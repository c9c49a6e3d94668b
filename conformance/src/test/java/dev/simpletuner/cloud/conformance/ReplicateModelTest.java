package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.delivery.huggingface.FakeHub;
import dev.simpletuner.cloud.server.replicate.DatasetsAccess;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs on Replicate, run by SimpleTuner's own Replicate model (predict.py and simpletuner/cog.py)
 * behind a fake of Replicate's API. The model replaces the trainer's webhook config with its own
 * receiver, so no callback reaches the server: progress comes from the prediction's logs, the
 * model home through its s3_* inputs, the datasets from the server's storage endpoint.
 */
class ReplicateModelTest {
  private static final String HF_TOKEN = "hf_test_write_token_0123456789";
  @TempDir
  Path tmp;
  private FakeReplicate replicate;
  private FakeHub hub;
  private TestServer server;
  private Api api;

  private void start(Map<String, String> knobs, boolean publicUrl) {
    start(knobs, publicUrl, Map.of());
  }

  private void start(Map<String, String> knobs, boolean publicUrl, Map<String, String> env) {
    replicate = FakeReplicate.start().runner(new CogModel(knobs, tmp.resolve("predictions")));
    if (publicUrl) {
      server = TestServer.withReplicate(Backend.SQLITE, replicate, env);
    } else {
      Map<String, String> withoutUrl = new HashMap<>(env);
      withoutUrl.put("REPLICATE_API_TOKEN", FakeReplicate.TOKEN);
      withoutUrl.put("REPLICATE_BASE_URL", replicate.baseUrl());
      server = TestServer.start(Backend.SQLITE, withoutUrl);
    }
    api = server.api();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.stop().await();
    }
    if (replicate != null) {
      replicate.close();
    }
  }

  private JsonObject body(int steps) throws Exception {
    Path dataset = DatasetsAccess.images(tmp.resolve("datasets/dogs"), 6, 64);
    return new JsonObject().put("config", new JsonObject().put("--model_family", "flux").put("--model_type", "lora")
            .put("--max_train_steps", steps).put("--validation_prompt", "a photo of sks dog")
            .put("--validation_steps", 5).put("--checkpointing_steps", 5))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images")
            .put("type", "local").put("dataset_type", "image").put("instance_data_dir", dataset.toString())
            .put("caption_strategy", "textfile").put("resolution", 64)));
  }

  private JsonObject prediction(String jobId) {
    String external = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30))
        .getString("external_id");
    return replicate.prediction(external);
  }

  @Test
  void aJobRunsOnTheRealModelWithLiveProgressAndItsWeightsComeHome() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.15"), true);
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=replicate", body(12)
        .put("tracker_run_name", "api-test-run"));
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    String warnings = submitted.json().getJsonArray("warnings").encode();
    assertThat(warnings).contains("Validations run every 4 steps").contains("Checkpoints are saved every 4 steps");
    String jobId = submitted.json().getString("job_id");

    JsonObject done;
    boolean sawProgress = false;
    try (JobWatcher watcher = new JobWatcher(api.base(), jobId)) {
      done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(120));
      for (JsonObject change : watcher.changes()) {
        JsonObject p = change.getJsonObject("progress");
        if ("running".equals(change.getString("status")) && p != null && p.getLong("current") != null
            && p.getLong("current") > 0 && p.getLong("current") < 12) {
          sawProgress = true;
          assertThat(p.getLong("total")).isEqualTo(12);
        }
      }
    }
    JsonObject prediction = prediction(jobId);
    assertThat(done.getString("status")).as(prediction.getString("logs")).isEqualTo("completed");
    assertThat(sawProgress).as("live step progress while it ran").isTrue();

    // Only inputs the model declares (the fake refuses others with 422, as Replicate does).
    JsonObject input = prediction.getJsonObject("input");
    assertThat(SimpleTuner.declaredInputs()).containsAll(input.fieldNames());
    assertThat(input.fieldNames()).doesNotContain("webhook_config", "images");
    assertThat(input.getString("s3_base_path")).isEqualTo(jobId);
    JsonArray dataloader = new JsonArray(input.getString("dataloader_json"));
    assertThat(dataloader.getJsonObject(0).getString("type")).isEqualTo("aws");
    assertThat(dataloader.getJsonObject(0).getString("aws_bucket_name")).isEqualTo("ds-" + jobId + "-0");
    String log = prediction.getString("logs");
    assertThat(log).contains("[COG] Webhook receiver started").contains("[STAGE]")
        .contains("Dataset training-images: 6 image(s) in s3://ds-" + jobId + "-0");

    // The last step's checkpoint came home through the model's s3_* inputs: the final weights.
    JsonObject outputs = api.get("/api/cloud/jobs/" + jobId + "/outputs").json();
    assertThat(outputs.getJsonArray("files").encode()).contains("checkpoint-12/pytorch_lora_weights.safetensors");
    JsonObject delivered = api.waitFor(jobId, j -> !"pending".equals(local(j).getString("status")),
        Duration.ofSeconds(60));
    assertThat(local(delivered).getString("status")).as(local(delivered).encode()).isEqualTo("delivered");
    assertThat(delivered.getString("output_url")).doesNotContain("Training complete");
    // The job's timeline and log came from the prediction's log.
    JsonArray events = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events");
    assertThat(events.encode()).contains("Running Validation");
    assertThat(events.size()).isLessThan(60);
    assertThat(api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs")).contains("[STAGE]");
  }

  @Test
  void theModelReachesTheHubThroughThisServerWithoutTheTokenLeaving() throws Exception {
    hub = new FakeHub().start().await();
    hub.addToken(HF_TOKEN, "alice", "write");
    start(Map.of("STANDIN_STEP_SECONDS", "0.02"), true, Map.of("HF_TOKEN", HF_TOKEN, "HF_ENDPOINT", hub.endpoint()));
    JsonObject body = body(8);
    body.getJsonObject("config").put("--push_to_hub", true).put("--hub_model_id", "alice/sks-dog");
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=replicate", body);
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    String jobId = submitted.json().getString("job_id");
    JsonObject done = api.waitFor(jobId, j -> j.getBoolean("is_terminal") && j.getJsonArray("delivery").stream()
        .map(JsonObject.class::cast).noneMatch(e -> e.getString("status").matches("pending|delivering")),
        Duration.ofSeconds(120));
    JsonObject input = prediction(jobId).getJsonObject("input");
    assertThat(input.encode()).doesNotContain(HF_TOKEN);
    assertThat(input.fieldNames()).doesNotContain("hub_model_id", "hf_token");
    JsonObject hf = done.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(d -> "huggingface".equals(d.getString("target"))).findFirst().orElseThrow();
    assertThat(hf.getString("status")).as(hf.encode()).isEqualTo("delivered");
    // The last step's checkpoint is the final model: its weights at the repo's root, byte for byte,
    // and none of the training state.
    JsonObject checkpoint = api.get("/api/cloud/jobs/" + jobId + "/outputs").json().getJsonArray("files").stream()
        .map(JsonObject.class::cast).filter(f -> f.getString("path").endsWith("checkpoint-8/pytorch_lora_weights"
            + ".safetensors")).findFirst().orElseThrow();
    assertThat(hub.files("alice/sks-dog").get("pytorch_lora_weights.safetensors").sha256())
        .isEqualTo(checkpoint.getString("sha256"));
    assertThat(hub.files("alice/sks-dog").keySet()).noneMatch(k -> k.contains("optimizer") || k.contains("checkpoint-"));
  }

  @Test
  void withoutWebhooksProgressComesFromPollingTheLogs() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.4"), true);
    replicate.webhooks(false);
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(12)).json().getString("job_id");
    prediction(jobId);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Long seen = null;
    while (seen == null && System.nanoTime() < deadline) {
      JsonObject job = api.get("/api/cloud/jobs?sync_active=true").json().getJsonArray("jobs").getJsonObject(0);
      JsonObject p = job.getJsonObject("progress");
      if ("running".equals(job.getString("status")) && p != null && p.getLong("current") != null
          && p.getLong("current") > 0 && p.getLong("current") < 12) {
        seen = p.getLong("current");
      }
      Api.sleep(300);
    }
    assertThat(seen).as("step progress read from the polled log").isNotNull();
  }

  @Test
  void aCancelReachesTheModel() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "1"), true);
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(60)).json().getString("job_id");
    String external = prediction(jobId).getString("id");
    api.waitForStatus(jobId, "running");
    Api.Response cancelled = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(replicate.prediction(external).getString("status")).as(replicate.prediction(external).encodePrettily())
        .isEqualTo("canceled");
    JsonObject settled = api.waitFor(jobId, j -> !"pending".equals(local(j).getString("status")),
        Duration.ofSeconds(30));
    assertThat(local(settled).getString("status")).isIn("skipped", "incomplete");
  }

  @Test
  void aFailureKeepsTheTrainersWords() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.05", "STANDIN_FAIL_AT_STEP", "3"), true);
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(12)).json().getString("job_id");
    JsonObject failed = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error_message")).contains("CUDA out of memory at step 3");
  }

  @Test
  void localDatasetsNeedAPublicUrl() throws Exception {
    start(Map.of(), false);
    Api.Response refused = api.post("/api/cloud/jobs/submit?provider=replicate", body(12));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getString("error")).contains("public URL");
    assertThat(replicate.createCount()).isZero();
  }

  private static JsonObject local(JsonObject job) {
    return job.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(d -> "local".equals(d.getString("target"))).findFirst().orElseThrow();
  }
}
