package dev.simpletuner.cloud.server.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The seed's API flow with provider=replicate against a faithful fake of Replicate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicateFlowTest {
  private FakeReplicate replicate;
  private TestServer server;
  private Api api;
  @TempDir
  Path data;

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

  private JsonObject body(Path dataset, int steps, String hardware) {
    JsonObject body = new JsonObject().put("config", new JsonObject().put("--model_family", "flux")
        .put("--model_type", "lora").put("--max_train_steps", steps).put("--output_dir", "/outputs/flux-lora"));
    JsonArray datasets = new JsonArray();
    if (dataset != null) {
      datasets.add(new JsonObject().put("id", "training-images").put("type", "local").put("dataset_type", "image")
          .put("instance_data_dir", dataset.toString()).put("caption_strategy", "textfile").put("resolution", 1024));
    }
    body.put("dataloader_config", datasets);
    if (hardware != null) {
      body.put("hardware_profile", hardware);
    }
    return body;
  }

  private JsonObject predictionOf(String jobId) {
    String external = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30))
        .getString("external_id");
    return replicate.prediction(external);
  }

  private List<JsonObject> jobsWithExternalId(String externalId) {
    return api.get("/api/cloud/jobs?limit=500").json().getJsonArray("jobs").stream().map(JsonObject.class::cast)
        .filter(j -> externalId.equals(j.getString("external_id"))).toList();
  }

  @Test
  void syncImportsTheTrainersPredictionsItDoesNotKnowOnceAndFollowsTheActiveOnes() {
    String done = replicate.addForeignPrediction("simpletuner/advanced-trainer-l40s", "succeeded", 1200);
    String running = replicate.addForeignPrediction("simpletuner/advanced-trainer-h100", "processing", 0);
    String other = replicate.addForeignPrediction("someone/stable-diffusion", "succeeded", 5);

    JsonObject first = api.postEmpty("/api/cloud/jobs/sync").json();
    assertThat(first.getInteger("imported")).isGreaterThanOrEqualTo(2);
    assertThat(first.getJsonArray("import_errors")).isEmpty();
    assertThat(api.postEmpty("/api/cloud/jobs/sync").json().getInteger("imported")).isZero();

    assertThat(jobsWithExternalId(other)).isEmpty();
    List<JsonObject> imported = jobsWithExternalId(done);
    assertThat(imported).hasSize(1);
    JsonObject job = api.job(imported.get(0).getString("job_id"));
    assertThat(job.getString("status")).isEqualTo("completed");
    assertThat(job.getJsonObject("metadata").getBoolean("imported")).isTrue();
    assertThat(job.getString("hardware_profile")).isEqualTo("l40s");
    assertThat(job.getDouble("cost_usd")).isCloseTo(1200 * 0.000975, org.assertj.core.data.Offset.offset(1e-6));

    List<JsonObject> active = jobsWithExternalId(running);
    assertThat(active).hasSize(1);
    assertThat(active.get(0).getString("status")).isEqualTo("running");
    replicate.succeed(running, 300);
    api.waitFor(active.get(0).getString("job_id"), j -> {
      api.postEmpty("/api/cloud/jobs/sync");
      return "completed".equals(j.getString("status"));
    }, Duration.ofSeconds(30));
    assertThat(jobsWithExternalId(running)).hasSize(1);

    // A deleted import stays deleted: the next sync does not bring it back.
    assertThat(api.delete("/api/cloud/jobs/" + job.getString("job_id")).status()).isEqualTo(200);
    api.postEmpty("/api/cloud/jobs/sync");
    assertThat(jobsWithExternalId(done)).isEmpty();
  }

  @Test
  void webhooksComeOnlyFromAllowedSourcesAndAreAlwaysSigned() {
    String webhook = "/api/webhooks/replicate";
    JsonObject event = new JsonObject().put("id", "nope").put("status", "succeeded");
    assertThat(api.put("/api/cloud/providers/replicate/config", new JsonObject().put("webhook_allowed_ips",
        new JsonArray().add("10.0.0.0/8").add("not-an-ip"))).body()).contains("Invalid IP address or CIDR: not-an-ip");
    Api.Response unsigned = api.put("/api/cloud/providers/replicate/config", new JsonObject()
        .put("webhook_require_signature", false));
    assertThat(unsigned.status()).isEqualTo(400);
    assertThat(unsigned.json().getString("detail")).contains("always verified");
    try {
      JsonObject config = api.put("/api/cloud/providers/replicate/config", new JsonObject().put("webhook_allowed_ips",
          new JsonArray().add("10.0.0.0/8").add("2001:db8::/32"))).json().getJsonObject("config");
      assertThat(config.getJsonArray("webhook_allowed_ips")).containsExactly("10.0.0.0/8", "2001:db8::/32");
      assertThat(config.getBoolean("webhook_require_signature")).isTrue();

      Api.Response refused = api.post(webhook, event);
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().getString("detail")).contains("127.0.0.1 is not one of them");
      // A claimed address is not believed: only the TCP peer counts.
      assertThat(api.post(webhook, event, "X-Forwarded-For", "10.1.2.3").status()).isEqualTo(403);
      JsonObject loopback = api.put("/api/cloud/providers/replicate/config", new JsonObject()
          .put("webhook_allowed_ips", new JsonArray().add("127.0.0.0/8"))).json();
      assertThat(loopback.getJsonObject("config").getJsonArray("webhook_allowed_ips")).containsExactly("127.0.0.0/8");
      assertThat(api.post(webhook, event).status()).isEqualTo(401); // allowed; then the signature decides
    } finally {
      api.put("/api/cloud/providers/replicate/config", new JsonObject().putNull("webhook_allowed_ips"));
    }
    assertThat(api.post(webhook, event).status()).isEqualTo(401);
  }

  @Test
  void validatesTheToken() {
    JsonObject valid = api.get("/api/cloud/providers/replicate/validate").json();
    assertThat(valid.getBoolean("valid")).isTrue();
    assertThat(valid.getString("username")).isEqualTo("tester");
    assertThat(valid.getString("token_source")).isEqualTo("env");
    JsonObject provider = api.get("/api/cloud/providers/replicate").json();
    assertThat(provider.encode()).doesNotContain(FakeReplicate.TOKEN);
    assertThat(provider.getJsonObject("settings").getString("api_token")).startsWith("****");
    assertThat(provider.getJsonArray("hardware").encode()).contains("h100-x2").contains("l40s-x8");
  }

  @Test
  void aLocalDatasetIsServedToTheModelAndTheJobRunsToCompletionWithItsCost() throws Exception {
    Path dataset = Datasets.images(data.resolve("dogs"), 6, 64);
    JsonObject summary = api.post("/api/cloud/jobs/upload-summary?provider=replicate", body(dataset, 100, null))
        .json();
    assertThat(summary.getBoolean("requires_upload")).isFalse();
    assertThat(summary.getBoolean("served")).isTrue();
    assertThat(summary.getLong("total_files")).isEqualTo(12);
    assertThat(summary.getJsonArray("errors")).isEmpty();

    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=replicate",
        body(dataset, 100, "h100-x2").put("tracker_run_name", "api-test-run"));
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    assertThat(submitted.json().getString("status")).isEqualTo("queued");
    String jobId = submitted.json().getString("job_id");
    JsonObject queued = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30));
    assertThat(queued.getString("hardware_type")).isEqualTo("2x H100");
    assertThat(queued.getDouble("estimated_cost_usd")).isPositive();
    assertThat(replicate.uploadCount()).isZero();

    JsonObject prediction = predictionOf(jobId);
    JsonObject input = prediction.getJsonObject("input");
    assertThat(prediction.getString("model")).isEqualTo("simpletuner/advanced-trainer-h100-x2");
    assertThat(input.fieldNames()).doesNotContain("images", "webhook_config");
    JsonObject config = new JsonObject(input.getString("config_json"));
    assertThat(config.getInteger("--max_train_steps")).isEqualTo(100);
    assertThat(config.getString("--tracker_run_name")).isEqualTo("api-test-run");
    assertThat(config.containsKey("--publishing_config")).isFalse();
    assertThat(input.getString("s3_base_path")).isEqualTo(jobId);
    assertThat(input.getString("s3_endpoint_url")).isEqualTo(api.base() + "/api/cloud/storage");
    assertThat(prediction.getString("webhook")).isEqualTo(api.base() + "/api/webhooks/replicate");
    assertThat(prediction.getJsonArray("webhook_events_filter").getList()).contains("logs");

    // The model's S3 data backend reads the dataset from this server, with the job's read credentials.
    JsonObject backend = new JsonArray(input.getString("dataloader_json")).getJsonObject(0);
    assertThat(backend.getString("type")).isEqualTo("aws");
    assertThat(backend.getString("id")).isEqualTo("training-images");
    assertThat(backend.containsKey("instance_data_dir")).isFalse();
    try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(backend.getString("aws_endpoint_url")))
        .region(Region.US_EAST_1).forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(backend.getString("aws_access_key_id"),
                backend.getString("aws_secret_access_key")))).build()) {
      var listed = s3.listObjectsV2(b -> b.bucket(backend.getString("aws_bucket_name")));
      assertThat(listed.contents()).hasSize(12);
    }

    replicate.begin(prediction.getString("id"));
    api.waitForStatus(jobId, "running");
    // What the model's console shows (its receiver's lines and the trainer's tqdm bar), through the
    // "logs" webhooks: the job's live progress.
    replicate.log(prediction.getString("id"), "[COG] Webhook receiver started on http://127.0.0.1:4711/webhook\n"
        + "[STAGE] \u23f3 Configuring data backends: Configuring data backends... (this may take a while!)\n"
        + "Epoch 1/1 Steps:  49%|####9     | 49/100 [00:10<00:10, 4.90it/s, lr=0.0001, step_loss=0.05]\r"
        + "Epoch 1/1 Steps:  50%|#####     | 50/100 [00:10<00:10, 4.90it/s, lr=0.0001, step_loss=0.0421]");
    JsonObject running = api.waitFor(jobId, j -> j.getJsonObject("progress") != null
        && Long.valueOf(50).equals(j.getJsonObject("progress").getLong("current")), Duration.ofSeconds(30));
    assertThat(running.getJsonObject("progress").getDouble("loss")).isEqualTo(0.0421);
    assertThat(running.getJsonObject("progress").getDouble("percent")).isEqualTo(50.0);
    assertThat(running.getJsonObject("progress").getString("stage")).isEqualTo("Training");
    Api.sleep(300);
    assertThat(api.job(jobId).getDouble("cost_usd")).isPositive();

    replicate.log(prediction.getString("id"), "\n[STAGE] \u2713 Training Complete (100.0%): Training run complete.\n");
    replicate.succeed(prediction.getString("id"), 120.0);
    JsonObject done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
    assertThat(done.getString("status")).isEqualTo("completed");
    // Billable time at the job's own hardware rate: 120 s x 2 x $0.001525/s.
    assertThat(done.getDouble("cost_usd")).isEqualTo(0.366);
    assertThat(done.getString("output_url")).contains(prediction.getString("id"));
    String logs = api.waitFor(jobId, j -> api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs")
        .contains("Training complete"), Duration.ofSeconds(30)).getString("job_id");
    assertThat(api.get("/api/cloud/jobs/" + logs + "/logs").json().getString("logs")).contains("50/100")
        .doesNotContain("49/100");
    assertThat(api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events").encode())
        .contains("Configuring data backends");
  }

  @Test
  void cancelStopsThePrediction() {
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, "l40s")).json()
        .getString("job_id");
    JsonObject prediction = predictionOf(jobId);
    assertThat(prediction.getString("model")).endsWith("advanced-trainer-l40s");
    Api.Response cancelled = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(replicate.prediction(prediction.getString("id")).getString("status")).isEqualTo("canceled");
    assertThat(api.job(jobId).getString("status")).isEqualTo("cancelled");
  }

  @Test
  void aConfigWithoutMaxTrainStepsHasNoEstimateAndCannotBringItsModelHome() {
    JsonObject body = body(null, 10, "l40s-x4"); // hardware no other test finishes jobs on: no pace to go by
    body.getJsonObject("config").remove("--max_train_steps");
    JsonObject summary = api.post("/api/cloud/jobs/upload-summary?provider=replicate", body).json();
    assertThat(summary.getJsonObject("estimate").getValue("estimated_cost_usd")).isNull();
    assertThat(summary.getJsonObject("estimate").getString("basis")).contains("no --max_train_steps");
    // The model publishes after the validation the server schedules at the last step: it needs one.
    long creates = replicate.createCount();
    Api.Response refused = api.post("/api/cloud/jobs/submit?provider=replicate", body);
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.json().getString("error")).contains("--max_train_steps");
    assertThat(replicate.createCount()).isEqualTo(creates);
  }

  @Test
  void withoutWebhooksPollingConverges() {
    replicate.webhooks(false);
    try {
      String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, null)).json()
          .getString("job_id");
      String id = predictionOf(jobId).getString("id");
      replicate.begin(id);
      replicate.succeed(id, 30.0);
      Api.sleep(200);
      JsonObject listed = api.get("/api/cloud/jobs?sync_active=true&provider=replicate").json();
      JsonObject job = listed.getJsonArray("jobs").stream().map(JsonObject.class::cast)
          .filter(j -> jobId.equals(j.getString("job_id"))).findFirst().orElseThrow();
      assertThat(job.getString("status")).isEqualTo("completed");
      assertThat(job.getDouble("cost_usd")).isCloseTo(30 * 0.001525, org.assertj.core.data.Offset.offset(1e-9));
    } finally {
      replicate.webhooks(true);
    }
  }

  @Test
  void duplicatedAndReorderedWebhooksAreHarmless() {
    replicate.duplicateWebhooks(true).reorderWebhooks(true);
    try {
      String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, null)).json()
          .getString("job_id");
      String id = predictionOf(jobId).getString("id");
      replicate.begin(id);
      replicate.succeed(id, 10.0);
      api.waitForStatus(jobId, "completed");
      Api.sleep(500);
      assertThat(api.job(jobId).getString("status")).isEqualTo("completed");
      long statusEvents = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events").stream()
          .map(JsonObject.class::cast).filter(e -> "status".equals(e.getString("type"))
              && "completed".equals(e.getJsonObject("data").getString("status"))).count();
      assertThat(statusEvents).isEqualTo(1);
    } finally {
      replicate.duplicateWebhooks(false).reorderWebhooks(false);
    }
  }

  @Test
  void badlySignedWebhooksAreRefusedAndChangeNothing() {
    String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, null)).json()
        .getString("job_id");
    JsonObject prediction = predictionOf(jobId);
    JsonObject forged = prediction.copy().put("status", "succeeded").put("metrics", new JsonObject()
        .put("predict_time", 99999));
    long ts = System.currentTimeMillis() / 1000;
    Api.Response unsigned = api.post("/api/webhooks/replicate", forged);
    assertThat(unsigned.status()).isEqualTo(401);
    Api.Response wrong = api.post("/api/webhooks/replicate", forged.encode(), "webhook-id", "msg_1",
        "webhook-timestamp", String.valueOf(ts), "webhook-signature",
        FakeReplicate.sign("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]), "msg_1", ts,
            forged.encode()));
    assertThat(wrong.status()).isEqualTo(401);
    Api.Response stale = api.post("/api/webhooks/replicate", forged.encode(), "webhook-id", "msg_2",
        "webhook-timestamp", String.valueOf(ts - 3600), "webhook-signature",
        FakeReplicate.sign(replicate.webhookSecret(), "msg_2", ts - 3600, forged.encode()));
    assertThat(stale.status()).isEqualTo(401);
    assertThat(api.job(jobId).getString("status")).isEqualTo("queued");

    String body = forged.encode();
    Api.Response good = api.post("/api/webhooks/replicate", body, "webhook-id", "msg_3", "webhook-timestamp",
        String.valueOf(ts), "webhook-signature", FakeReplicate.sign(replicate.webhookSecret(), "msg_3", ts, body));
    assertThat(good.status()).as(good.body()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("completed");

    JsonObject stranger = new JsonObject().put("id", "notoursnotoursnotoursnotou").put("status", "succeeded");
    String other = stranger.encode();
    Api.Response ignored = api.post("/api/webhooks/replicate", other, "webhook-id", "msg_4", "webhook-timestamp",
        String.valueOf(ts), "webhook-signature", FakeReplicate.sign(replicate.webhookSecret(), "msg_4", ts, other));
    assertThat(ignored.json().getString("status")).isEqualTo("ignored");
  }

  @Test
  void retriesHonourRetryAfterAndACreateIsNeverRepeatedBlindly() {
    replicate.failNext(HttpMethod.POST, "/v1/predictions", 429, 1, 1);
    long before = replicate.createCount();
    String throttled = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, null)).json()
        .getString("job_id");
    assertThat(predictionOf(throttled).getString("id")).isNotNull();
    assertThat(replicate.createCount()).isEqualTo(before + 1);

    replicate.failNext(HttpMethod.POST, "/v1/predictions", 500, 1, null);
    long beforeFailure = replicate.createCount();
    String failed = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 10, null)).json()
        .getString("job_id");
    JsonObject job = api.waitFor(failed, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("error_message")).contains("500");
    assertThat(replicate.createCount()).isEqualTo(beforeFailure);

    replicate.failNext(HttpMethod.GET, "/v1/predictions", 503, 2, 1);
    assertThat(api.postEmpty("/api/cloud/jobs/sync").json().getBoolean("success")).isTrue();
  }

  @Test
  void slowAnswersTimeOutAndAreRetried() {
    api.put("/api/cloud/providers/replicate", new JsonObject().put("http_timeout", 1));
    try {
      replicate.delayNext(HttpMethod.GET, "/v1/account", 3000, 1);
      JsonObject valid = api.get("/api/cloud/providers/replicate/validate").json();
      assertThat(valid.getBoolean("valid")).as(valid.encode()).isTrue();
    } finally {
      api.put("/api/cloud/providers/replicate", new JsonObject().putNull("http_timeout"));
    }
  }

  @Test
  void datasetsThatMustNotLeaveAreRefusedBeforeAnyUpload() throws Exception {
    Path dataset = Datasets.images(data.resolve("with-key"), 2, 32);
    java.nio.file.Files.writeString(dataset.resolve("id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----");
    int uploads = replicate.uploadCount();
    long jobs = api.get("/api/cloud/jobs?limit=1").json().getLong("total");
    Api.Response refused = api.post("/api/cloud/jobs/submit?provider=replicate", body(dataset, 10, null));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getString("error")).contains("id_rsa");
    assertThat(refused.json().getJsonObject("details").getJsonArray("errors")).isNotEmpty();
    assertThat(replicate.uploadCount()).isEqualTo(uploads);
    assertThat(api.get("/api/cloud/jobs?limit=1").json().getLong("total")).isEqualTo(jobs);
  }

  @Test
  void aCostLimitBlocksWithASentenceAndWarnsOtherwise() {
    api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", true)
        .put("cost_limit_amount", 0.01).put("cost_limit_period", "daily").put("cost_limit_action", "block"));
    try {
      Api.Response blocked = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 1000, null));
      assertThat(blocked.status()).isEqualTo(429);
      assertThat(blocked.json().getString("code")).isEqualTo("cost_limit_exceeded");
      assertThat(blocked.json().getString("error")).contains("spent").contains("$0.01 daily limit");
      JsonObject status = api.get("/api/cloud/metrics/cost-limit?provider=replicate").json();
      assertThat(status.getBoolean("enabled")).isTrue();
      assertThat(status.getString("period")).isEqualTo("daily");

      api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_action", "warn"));
      Api.Response warned = api.post("/api/cloud/jobs/submit?provider=replicate", body(null, 1000, null));
      assertThat(warned.status()).isEqualTo(200);
      assertThat(warned.json().getJsonArray("warnings").encode()).contains("Spending limit exceeded");
      api.postEmpty("/api/cloud/jobs/" + warned.json().getString("job_id") + "/cancel");
    } finally {
      api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", false));
    }
  }

  @Test
  void savedTokensAreEncryptedAtRestAndMasked() {
    Api.Response saved = api.put("/api/cloud/providers/replicate", new JsonObject().put("api_token", "r8_saved_secret"));
    assertThat(saved.status()).isEqualTo(200);
    assertThat(saved.body()).doesNotContain("r8_saved_secret");
    String stored = server.server().context().store().settings().get("provider:replicate").await().get("api_token");
    assertThat(stored).startsWith("enc:v1:").doesNotContain("r8_saved_secret");
    // The environment still wins over the saved token.
    assertThat(api.get("/api/cloud/providers/replicate/validate").json().getBoolean("valid")).isTrue();
    api.put("/api/cloud/providers/replicate", new JsonObject().putNull("api_token"));
  }
}
