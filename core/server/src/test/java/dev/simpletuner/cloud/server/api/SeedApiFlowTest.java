package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The seed's "API flow" curl sequences, against the local provider, on both backends. */
class SeedApiFlowTest extends ServerPerBackend {

  static JsonObject seedInlineBody() {
    return new JsonObject("""
        {
          "config": {
            "--model_family": "flux",
            "--model_type": "lora",
            "--pretrained_model_name_or_path": "black-forest-labs/FLUX.1-dev",
            "--output_dir": "/outputs/flux-lora",
            "--max_train_steps": 1000,
            "--lora_rank": 16
          },
          "dataloader_config": [
            {
              "id": "training-images",
              "type": "local",
              "dataset_type": "image",
              "instance_data_dir": "/data/datasets/my-dataset",
              "caption_strategy": "textfile",
              "resolution": 1024
            }
          ]
        }""");
  }

  private static String createConfig(Api api, int steps) {
    String name = "my-training-config-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject body = new JsonObject().put("name", name).put("description", "seed config")
        .put("config", Configs.lora()
            .put("--max_train_steps", steps).put("--output_dir", "output").put("--checkpointing_steps", 10))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images")
            .put("type", "local").put("instance_data_dir", System.getProperty("java.io.tmpdir"))));
    Api.Response created = api.post("/api/configs", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return name;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void submitByConfigNameRunsToCompletionLikeTheCiLoop(Backend backend) {
    Api api = api(backend);
    String config = createConfig(api, 20);

    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local",
        new JsonObject().put("config_name_to_load", config).put("tracker_run_name", "api-test-run"));
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    JsonObject response = submitted.json();
    assertThat(response.getBoolean("success")).isTrue();
    assertThat(response.getBoolean("idempotent_hit")).isFalse();
    String jobId = response.getString("job_id");

    // The GitHub Actions loop: read .job.status until completed or failed/cancelled.
    JsonObject job = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    assertThat(job.getString("status")).isEqualTo("completed");
    assertThat(job.getString("config_name")).isEqualTo(config);
    assertThat(job.getString("tracker_run_name")).isEqualTo("api-test-run");
    assertThat(job.getString("job_type")).isEqualTo("local");
    assertThat(job.getJsonObject("config").getInteger("--max_train_steps")).isEqualTo(20);
    assertThat(job.getJsonObject("progress").getInteger("current")).isEqualTo(20);
    assertThat(job.getJsonObject("progress").getDouble("percent")).isEqualTo(100.0);
    assertThat(job.getJsonObject("progress").getDouble("loss")).isNotNull();
    assertThat(job.getString("started_at")).isNotNull();
    assertThat(job.getString("completed_at")).isNotNull();
    assertThat(job.getDouble("cost_usd")).isEqualTo(0.0);

    String logs = api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs");
    assertThat(logs).contains("Using config file: config.json").contains("20/20").contains("training complete");

    JsonArray timeline = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events");
    assertThat(timeline.stream().map(e -> ((JsonObject) e).getString("type")))
        .contains("submitted", "status", "lifecycle.stage", "training.checkpoint");

    Api.Response deleted = api.delete("/api/cloud/jobs/" + jobId);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(api.get("/api/cloud/jobs/" + jobId).status()).isEqualTo(404);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void submitInlineSeedBodyWarnsAboutTheMissingDatasetAndRuns(Backend backend) {
    Api api = api(backend);
    JsonObject body = seedInlineBody();
    body.getJsonObject("config").put("--max_train_steps", 5);
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local", body);
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    assertThat(submitted.json().getJsonArray("warnings").encode()).contains("/data/datasets/my-dataset");
    String jobId = submitted.json().getString("job_id");
    JsonObject job = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    assertThat(job.getString("status")).isEqualTo("completed");
    assertThat(job.getJsonArray("dataloader_config").getJsonObject(0).getString("id")).isEqualTo("training-images");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void listHasARealTotalFiltersAndPages(Backend backend) {
    Api api = api(backend);
    String config = createConfig(api, 1);
    for (int i = 0; i < 3; i++) {
      api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config_name_to_load", config));
    }
    JsonObject all = api.get("/api/cloud/jobs?limit=10").json();
    long total = all.getLong("total");
    assertThat(total).isGreaterThanOrEqualTo(3);
    JsonObject page = api.get("/api/cloud/jobs?limit=2&offset=1").json();
    assertThat(page.getJsonArray("jobs")).hasSize(2);
    assertThat(page.getLong("total")).isEqualTo(total);
    JsonObject synced = api.get("/api/cloud/jobs?sync_active=true").json();
    assertThat(synced.getLong("total")).isEqualTo(total);
    JsonObject cloud = api.get("/api/cloud/jobs?job_type=cloud").json();
    assertThat(cloud.getLong("total")).isZero();
    JsonObject local = api.get("/api/cloud/jobs?provider=local&job_type=local").json();
    assertThat(local.getLong("total")).isEqualTo(total);
    // Newest first.
    JsonArray jobs = all.getJsonArray("jobs");
    assertThat(jobs.getJsonObject(0).getString("created_at"))
        .isGreaterThanOrEqualTo(jobs.getJsonObject(jobs.size() - 1).getString("created_at"));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void cancelStopsARunningJobAndDeleteNeedsATerminalJob(Backend backend) {
    Api api = api(backend);
    JsonObject body = new JsonObject().put("config", Configs.lora(100000));
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", body).json().getString("job_id");
    api.waitFor(jobId, j -> j.getJsonObject("progress").getInteger("current") != null, Duration.ofSeconds(30));

    Api.Response refused = api.delete("/api/cloud/jobs/" + jobId);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().getString("code")).isEqualTo("invalid_job_state");

    Api.Response cancelled = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(cancelled.json().getString("status")).isEqualTo("cancelled");
    JsonObject job = api.job(jobId);
    assertThat(job.getString("status")).isEqualTo("cancelled");
    assertThat(job.getBoolean("is_terminal")).isTrue();

    Api.Response again = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(again.status()).isEqualTo(409);
    // Late events from the stopped trainer do not revive it.
    Api.sleep(500);
    assertThat(api.job(jobId).getString("status")).isEqualTo("cancelled");
    assertThat(api.delete("/api/cloud/jobs/" + jobId).status()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void idempotentResubmitReturnsTheSameJobAndADifferentBodyConflicts(Backend backend) {
    Api api = api(backend);
    String config = createConfig(api, 2);
    String key = "ci-build-" + UUID.randomUUID();
    JsonObject body = new JsonObject().put("config_name_to_load", config).put("idempotency_key", key);
    JsonObject first = api.post("/api/cloud/jobs/submit?provider=local", body).json();
    JsonObject second = api.post("/api/cloud/jobs/submit?provider=local", body).json();
    assertThat(second.getString("job_id")).isEqualTo(first.getString("job_id"));
    assertThat(second.getBoolean("idempotent_hit")).isTrue();
    assertThat(first.getBoolean("idempotent_hit")).isFalse();

    Api.Response conflict = api.post("/api/cloud/jobs/submit?provider=local",
        body.copy().put("tracker_run_name", "something else"));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.json().getString("code")).isEqualTo("idempotency_conflict");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void namedConfigsCrud(Backend backend) {
    Api api = api(backend);
    String name = createConfig(api, 3);
    assertThat(api.post("/api/configs", new JsonObject().put("name", name)).status()).isEqualTo(409);
    JsonObject got = api.get("/api/configs/" + name).json();
    assertThat(got.getJsonObject("config").getInteger("--max_train_steps")).isEqualTo(3);
    Api.Response replaced = api.put("/api/configs/" + name, new JsonObject()
        .put("config", Configs.lora(7)));
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().getBoolean("created")).isFalse();
    assertThat(api.get("/api/configs/" + name).json().getJsonObject("config").getInteger("--max_train_steps"))
        .isEqualTo(7);
    assertThat(api.get("/api/configs").json().getJsonArray("configs").encode()).contains(name);
    assertThat(api.delete("/api/configs/" + name).status()).isEqualTo(200);
    assertThat(api.get("/api/configs/" + name).status()).isEqualTo(404);
    Api.Response missing = api.post("/api/cloud/jobs/submit?provider=local",
        new JsonObject().put("config_name_to_load", name));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getString("code")).isEqualTo("config_not_found");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void metricsCountJobs(Backend backend) {
    Api api = api(backend);
    String config = createConfig(api, 1);
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", config)).json().getString("job_id");
    api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
    JsonObject metrics = api.get("/api/metrics?days=7").json();
    assertThat(metrics.getLong("job_count")).isGreaterThanOrEqualTo(1);
    assertThat(metrics.getJsonObject("jobs_by_status").getLong("completed")).isGreaterThanOrEqualTo(1);
    assertThat(metrics.getJsonArray("cost_by_day")).isNotEmpty();
    JsonObject limit = api.get("/api/cloud/metrics/cost-limit?provider=local").json();
    assertThat(limit.getBoolean("enabled")).isFalse();
    assertThat(api.get("/api/cloud/cost-limit/status?provider=local").json().getDouble("current_spend"))
        .isEqualTo(limit.getDouble("current_spend"));
  }
}
