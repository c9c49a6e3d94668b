package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/cloud/jobs/submit?dry_run=true}: every check of a submission, and nothing stored,
 * uploaded or sent to the provider (the fake Replicate counts every request it gets).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DryRunTest {
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

  private Path images(String name) throws Exception {
    Path dir = Files.createDirectories(data.resolve(name));
    for (int i = 0; i < 3; i++) {
      Files.write(dir.resolve("img" + i + ".jpg"), new byte[4_000]);
      Files.writeString(dir.resolve("img" + i + ".txt"), "a photo of sks dog");
    }
    return dir;
  }

  private static JsonArray local(Path dir) {
    return new JsonArray().add(new JsonObject().put("id", "dogs").put("type", "local")
        .put("instance_data_dir", dir.toString()).put("caption_strategy", "textfile"));
  }

  /** What a dry run must leave as it was. */
  private record Counts(long jobs, long providerRequests, int uploads, int creates, long approvals) {
  }

  private Counts counts() {
    return new Counts(api.get("/api/cloud/jobs?limit=1").json().getLong("total"), replicate.totalRequests(),
        replicate.uploadCount(), replicate.createCount(),
        api.get("/api/approvals/requests").json().getJsonArray("requests").size());
  }

  @Test
  void aCloudDryRunAnswersEveryCheckAndTouchesNothing() throws Exception {
    Path dogs = images("dogs");
    Api.Response rule = api.post("/api/approvals/rules", new JsonObject().put("name", "everything")
        .put("condition", "always"));
    assertThat(rule.status()).as(rule.body()).isEqualTo(200);
    api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", true)
        .put("cost_limit_amount", 0.01).put("cost_limit_period", "daily").put("cost_limit_action", "warn"));
    try {
      Counts before = counts();
      Api.Response dry = api.post("/api/cloud/jobs/submit?provider=replicate&dry_run=true", new JsonObject()
          .put("config", Configs.lora(1000)).put("dataloader_config", local(dogs)).put("idempotency_key", "dry-1"));
      assertThat(dry.status()).as(dry.body()).isEqualTo(200);
      JsonObject report = dry.json();
      assertThat(report.getBoolean("dry_run")).isTrue();
      assertThat(report.getBoolean("would_submit")).as(report.encodePrettily()).isTrue();
      assertThat(report.getJsonArray("errors")).isEmpty();
      assertThat(report.getString("would_be_status")).isEqualTo("pending_approval");
      assertThat(report.getBoolean("approval_needed")).isTrue();
      assertThat(report.getJsonObject("approval").getJsonArray("reasons").encode()).contains("everything");
      assertThat(report.getJsonObject("upload_summary").getLong("total_files")).isEqualTo(6);
      assertThat(report.getDouble("estimated_cost_usd")).isPositive();
      assertThat(report.getJsonObject("cost_limit").getBoolean("enabled")).isTrue();
      assertThat(report.getJsonArray("warnings").encode()).contains("Spending limit exceeded")
          .contains("--optimizer was not set");
      assertThat(report.getJsonObject("delivery")).isNotNull();
      assertThat(report.getString("config_hash")).startsWith("sha256:");
      assertThat(counts()).as("nothing stored, uploaded or asked of Replicate").isEqualTo(before);

      // The key was not used up: the real submission with it is a new job.
      Api.Response real = api.post("/api/cloud/jobs/submit?provider=replicate", new JsonObject()
          .put("config", Configs.lora(1000)).put("dataloader_config", local(dogs)).put("idempotency_key", "dry-1"));
      assertThat(real.status()).as(real.body()).isEqualTo(200);
      assertThat(real.json().getBoolean("idempotent_hit")).isFalse();
      JsonObject again = api.post("/api/cloud/jobs/submit?provider=replicate&dry_run=true", new JsonObject()
          .put("config", Configs.lora(1000)).put("dataloader_config", local(dogs)).put("idempotency_key", "dry-1"))
          .json();
      assertThat(again.getBoolean("idempotent_hit")).isTrue();
      assertThat(again.getString("existing_job_id")).isEqualTo(real.json().getString("job_id"));
      api.postEmpty("/api/cloud/jobs/" + real.json().getString("job_id") + "/cancel");
    } finally {
      api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", false));
      api.delete("/api/approvals/rules/" + rule.json().getJsonObject("rule").getString("id"));
    }
  }

  @Test
  void aDryRunNamesEveryProblemNotJustTheFirst() throws Exception {
    Path keys = images("with-key");
    Files.writeString(keys.resolve("id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----");
    api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", true)
        .put("cost_limit_amount", 0.01).put("cost_limit_period", "daily").put("cost_limit_action", "block"));
    try {
      Counts before = counts();
      JsonObject report = api.post("/api/cloud/jobs/submit?provider=replicate&dry_run=true", new JsonObject()
          .put("config", new JsonObject().put("--model_family", "flux").put("--max_train_steps", 1000))
          .put("dataloader_config", local(keys)).put("hardware_profile", "no-such-gpu")).json();
      assertThat(report.getBoolean("would_submit")).isFalse();
      String errors = report.getJsonArray("errors").encode();
      assertThat(errors).contains("--model_type").contains("no-such-gpu").contains("id_rsa");
      assertThat(report.getJsonObject("upload_summary").getJsonArray("errors").encode()).contains("id_rsa");
      assertThat(counts()).isEqualTo(before);

      JsonObject overLimit = api.post("/api/cloud/jobs/submit?provider=replicate&dry_run=true", new JsonObject()
          .put("config", Configs.lora(1000)).put("dataloader_config", new JsonArray())).json();
      assertThat(overLimit.getBoolean("would_submit")).isFalse();
      assertThat(overLimit.getJsonArray("errors").getJsonObject(0).getString("code"))
          .isEqualTo("cost_limit_exceeded");
      assertThat(counts()).isEqualTo(before);
    } finally {
      api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", false));
    }
  }

  @Test
  void aLocalDryRunOfANamedConfigSaysWhichVersionWouldRun() {
    String name = "dry-" + UUID.randomUUID().toString().substring(0, 8);
    api.post("/api/configs", new JsonObject().put("name", name).put("config", Configs.lora(5)));
    api.put("/api/configs/" + name, new JsonObject().put("config", Configs.lora(6).put("--optimizer", "adamw")));
    Counts before = counts();
    JsonObject report = api.post("/api/cloud/jobs/submit?provider=local&dry_run=true", new JsonObject()
        .put("config_name_to_load", name)).json();
    assertThat(report.getBoolean("would_submit")).as(report.encodePrettily()).isTrue();
    assertThat(report.getString("would_be_status")).isEqualTo("queued");
    assertThat(report.getInteger("config_version")).isEqualTo(2);
    assertThat(report.getString("config_hash")).isEqualTo(ContentHash.of(Configs.lora(6).put("--optimizer", "adamw"),
        new JsonArray()));
    assertThat(counts()).isEqualTo(before);
    JsonObject missing = api.post("/api/cloud/jobs/submit?provider=local&dry_run=true", new JsonObject()
        .put("config_name_to_load", "no-such-" + name)).json();
    assertThat(missing.getBoolean("would_submit")).isFalse();
    assertThat(missing.getJsonArray("errors").getJsonObject(0).getString("code")).isEqualTo("config_not_found");
  }
}
