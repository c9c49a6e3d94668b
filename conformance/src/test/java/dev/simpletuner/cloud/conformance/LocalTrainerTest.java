package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.replicate.DatasetsAccess;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs on the local provider, run by SimpleTuner's own {@code simpletuner train} (its CLI, config
 * discovery and required-argument rules) and a trainer stand-in that sends everything through
 * SimpleTuner's webhook handler, logger, events and publisher.
 */
class LocalTrainerTest {
  @TempDir
  Path tmp;
  private TestServer server;
  private Api api;

  private void start(Map<String, String> knobs) {
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", SimpleTuner.trainCommand(knobs)));
    api = server.api();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Path dataset(int images) throws IOException {
    return DatasetsAccess.images(tmp.resolve("datasets/dogs"), images, 64);
  }

  /** The README walkthrough's config, with a dataset that has images in it. */
  private JsonObject readmeConfig(String name, Path dataset) {
    return new JsonObject().put("name", name).put("config", new JsonObject().put("--model_family", "flux")
            .put("--model_type", "lora").put("--max_train_steps", 50))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images")
            .put("type", "local").put("instance_data_dir", dataset.toString())));
  }

  private String submit(JsonObject body) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  @Test
  void theReadmeConfigRunsToCompletionAndItsFinalWeightsComeHome() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.02"));
    Api.Response saved = api.post("/api/configs", readmeConfig("my-training-config", dataset(6)));
    assertThat(saved.status()).as(saved.body()).isEqualTo(201);
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", "my-training-config").put("tracker_run_name", "api-test-run")
        .put("delivery", new JsonArray().add("local")));
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    assertThat(submitted.json().getJsonArray("warnings").encode()).contains("--optimizer").contains("adamw_bf16");
    String jobId = submitted.json().getString("job_id");

    JsonObject done;
    try (JobWatcher watcher = new JobWatcher(api.base(), jobId)) {
      done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
      assertThat(done.getString("status")).as(done.encodePrettily() + log(jobId)).isEqualTo("completed");
      // Progress as the trainer sends it: every step it reports is training, and steps never go back.
      long last = 0;
      for (JsonObject change : watcher.changes()) {
        JsonObject p = change.getJsonObject("progress");
        Long current = p == null ? null : p.getLong("current");
        if (current == null || "completed".equals(change.getString("status"))) {
          continue;
        }
        assertThat(current).isGreaterThanOrEqualTo(last);
        last = current;
        if (current > 0 && current < 50 && "callback".equals(p.getString("source"))) {
          assertThat(p.getString("stage")).as(p.encode()).isEqualTo("Training");
          assertThat(p.getLong("total")).isEqualTo(50);
        }
      }
      assertThat(last).isGreaterThanOrEqualTo(40);
    }
    assertThat(done.getJsonObject("progress").getLong("current")).isEqualTo(50);

    // The trainer published its output folder (SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS): the final
    // weights, byte for byte.
    Path trained = find(server.stateDir().resolve("providers"), "pytorch_lora_weights.safetensors");
    JsonObject outputs = api.get("/api/cloud/jobs/" + jobId + "/outputs").json();
    JsonObject weights = outputs.getJsonArray("files").stream().map(JsonObject.class::cast)
        .filter(f -> f.getString("path").endsWith("pytorch_lora_weights.safetensors")).findFirst().orElseThrow();
    assertThat(weights.getString("sha256")).isEqualTo(sha256(Files.readAllBytes(trained)));
    Api.BytesResponse download = api.getBytes(weights.getString("download_url"));
    assertThat(sha256(download.body())).isEqualTo(weights.getString("sha256"));
    JsonObject local = api.waitFor(jobId, j -> !"pending".equals(delivery(j, "local").getString("status")),
        Duration.ofSeconds(60));
    assertThat(delivery(local, "local").getString("status")).as(delivery(local, "local").encode()).isEqualTo("delivered");

    // What the trainer was given: its config found in its working directory, with what it requires.
    JsonObject config = new JsonObject(Files.readString(trained.getParent().getParent().resolve("config.json")));
    assertThat(config.getString("--data_backend_config")).endsWith("multidatabackend.json");
    assertThat(config.getString("--output_dir")).isNotBlank();
    assertThat(config.getString("--optimizer")).isEqualTo("adamw_bf16");
    assertThat(config.getString("--tracker_run_name")).isEqualTo("api-test-run");

    // The timeline has the run's steps, not its log: one entry per stage and status.
    JsonArray events = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events");
    List<String> types = events.stream().map(e -> ((JsonObject) e).getString("type")).toList();
    assertThat(types).doesNotContain("log.message").contains("lifecycle.stage", "status");
    assertThat(events.size()).as(events.encodePrettily()).isLessThan(30);
    long bucketEntries = events.stream().map(JsonObject.class::cast)
        .filter(e -> e.getJsonObject("data").getString("message", "").startsWith("Processing training-images")
            || "Processing training-images".equals(e.getJsonObject("data").getString("stage"))).count();
    assertThat(bucketEntries).isLessThanOrEqualTo(1);
    String log = log(jobId);
    assertThat(log).contains("Using config file: config.json").contains("Dataset training-images: 6 image(s)")
        .contains("50/50");
  }

  @Test
  void validationImagesAreKeptWithTheirStepAndLabel() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.02", "STANDIN_IMAGE_SIZE", "1024"));
    JsonObject body = readmeConfig("unused", dataset(3));
    body.getJsonObject("config").put("--max_train_steps", 8).put("--validation_steps", 4)
        .put("--validation_prompt", "a photo of sks dog");
    body.remove("name");
    String jobId = submit(body);
    JsonObject done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
    assertThat(done.getString("status")).as(done.encodePrettily() + log(jobId)).isEqualTo("completed");

    JsonObject listed = api.get("/api/cloud/jobs/" + jobId + "/artifacts").json();
    JsonArray artifacts = listed.getJsonArray("artifacts");
    assertThat(artifacts).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonObject a = artifacts.getJsonObject(i);
      assertThat(a.getLong("step")).isEqualTo(4L * (i + 1));
      assertThat(a.getString("label")).isEqualTo("validation");
      assertThat(a.getString("prompt")).isEqualTo("a photo of sks dog");
      // A 1024 px image of noise: an event of several MB, as real validation events are.
      assertThat(a.getLong("size_bytes")).isGreaterThan(3_000_000L);
      Api.BytesResponse image = api.getBytes(a.getString("url"));
      assertThat(image.status()).isEqualTo(200);
      assertThat(sha256(image.body())).isEqualTo(a.getString("sha256"));
      assertThat(java.util.Arrays.copyOf(image.body(), 8)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10,
          26, 10});
    }
    JsonArray events = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events");
    assertThat(events.stream().map(JsonObject.class::cast).filter(e -> "validation".equals(e.getString("type"))))
        .hasSize(2);
    api.delete("/api/cloud/jobs/" + jobId);
    assertThat(api.get("/api/cloud/jobs/" + jobId + "/artifacts").status()).isEqualTo(404);
  }

  @Test
  void theTrainersOwnReasonBecomesTheErrorMessage() throws Exception {
    start(Map.of("STANDIN_STEP_SECONDS", "0.02", "STANDIN_FAIL_AT_STEP", "3"));
    String jobId = submit(readmeConfig("unused", dataset(2)).copy());
    JsonObject failed = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error_message"))
        .contains("Training failed: RuntimeError: CUDA out of memory at step 3")
        .contains("exited with status 1")
        .doesNotContain("%|");
  }

  @Test
  void aCancelStopsTheTrainerItself() throws Exception {
    Path pid = tmp.resolve("trainer.pid");
    start(Map.of("STANDIN_STEP_SECONDS", "1", "STANDIN_PID_FILE", pid.toString()));
    String jobId = submit(readmeConfig("unused", dataset(2)));
    api.waitFor(jobId, j -> "running".equals(j.getString("status")) && Files.exists(pid), Duration.ofSeconds(60));
    long trainer = Long.parseLong(Files.readString(pid).strip());
    assertThat(ProcessHandle.of(trainer)).isPresent();
    Api.Response cancelled = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    api.waitForStatus(jobId, "cancelled");
    // `simpletuner train` runs the trainer in a session of its own (cli/train.py, os.setsid).
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ProcessHandle.of(trainer).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      Api.sleep(200);
    }
    assertThat(ProcessHandle.of(trainer).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void aConfigWithoutWhatTheTrainerRequiresIsRefused() throws Exception {
    start(Map.of());
    JsonObject body = readmeConfig("unused", dataset(1));
    body.getJsonObject("config").remove("--model_type");
    Api.Response refused = api.post("/api/cloud/jobs/submit?provider=local", body);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getJsonObject("details").getJsonArray("missing").getList()).containsExactly(
        "--model_type");
    assertThat(api.get("/api/cloud/jobs").json().getInteger("total")).isZero();
  }

  private static JsonObject delivery(JsonObject job, String target) {
    return job.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(d -> target.equals(d.getString("target"))).findFirst().orElseThrow();
  }

  private String log(String jobId) {
    return "\n--- job log ---\n" + api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs");
  }

  private static Path find(Path root, String name) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.getFileName().toString().equals(name) && !p.toString().contains("checkpoint-"))
          .findFirst().orElseThrow(() -> new AssertionError("no " + name + " below " + root));
    }
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
