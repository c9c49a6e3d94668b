package dev.simpletuner.cloud.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.delivery.huggingface.FakeHub;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How submit decides where a model goes, and the edges of delivery: no public URL, the explicit
 * choice to hand the Hub token to the provider, a failed job, a final upload racing the completion
 * webhook, and a local job whose trainer sends its files home itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryChoicesTest {
  private static final String HF_TOKEN = "hf_choices_token_abcdef0123456789";
  private FakeReplicate replicate;
  private FakeHub hub;
  private Path config;
  private TestServer noTunnel;
  private TestServer tunnel;

  @BeforeAll
  void start() throws IOException {
    replicate = FakeReplicate.start().autoRun(50, 300);
    hub = new FakeHub().start().await();
    hub.addToken(HF_TOKEN, "alice", "write");
    config = Files.createTempFile("st-choices", ".yaml");
    Files.writeString(config, "storage:\n  grace_seconds: 60\n  settle_seconds: 2\n");
    Map<String, String> env = Map.of("HF_TOKEN", HF_TOKEN, "HF_ENDPOINT", hub.endpoint(),
        "SIMPLETUNER_CONFIG", config.toString(), "REPLICATE_API_TOKEN", FakeReplicate.TOKEN,
        "REPLICATE_BASE_URL", replicate.baseUrl(), "SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02));
    noTunnel = TestServer.start(Backend.SQLITE, env);
    tunnel = TestServer.withReplicate(Backend.SQLITE, replicate, env);
  }

  @AfterAll
  void stop() throws IOException {
    noTunnel.close();
    tunnel.close();
    replicate.close();
    hub.stop().await();
    Files.deleteIfExists(config);
  }

  private static JsonObject hubBody(String repo) {
    return new JsonObject().put("config", Configs.lora(5)
        .put("--push_to_hub", true).put("--hub_model_id", repo)).put("dataloader_config", new JsonArray());
  }

  private static JsonObject target(JsonObject job, String id) {
    return job.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(e -> id.equals(e.getString("target"))).findFirst().orElseThrow();
  }

  private static JsonObject settled(Api api, String jobId) {
    return api.waitFor(jobId, j -> j.getBoolean("is_terminal") && j.getJsonArray("delivery").stream()
        .map(JsonObject.class::cast).noneMatch(e -> e.getString("status").matches("pending|delivering")),
        Duration.ofSeconds(90));
  }

  @Test
  void withoutAPublicUrlTheTokenStaysUnlessTheUserChoosesOtherwise() {
    Api api = noTunnel.api();
    int before = api.get("/api/cloud/jobs").json().getInteger("total");
    Api.Response refused = api.post("/api/cloud/jobs/submit?provider=replicate", hubBody("alice/nope"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getString("error")).contains("Webhook URL").contains("token_to_provider");
    assertThat(refused.json().getJsonObject("details").getString("field")).isEqualTo("delivery");
    assertThat(api.get("/api/cloud/jobs").json().getInteger("total")).isEqualTo(before);

    assertThat(api.put("/api/cloud/delivery/huggingface", new JsonObject().put("token_to_provider", true)).status())
        .isEqualTo(200);
    try {
      JsonObject submitted = api.post("/api/cloud/jobs/submit?provider=replicate", hubBody("alice/by-trainer")).json();
      assertThat(submitted.getJsonArray("warnings").encode()).contains("replicate");
      String jobId = submitted.getString("job_id");
      JsonObject job = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30));
      assertThat(target(job, "huggingface").getString("status")).isEqualTo("delegated");
      JsonObject input = replicate.prediction(job.getString("external_id")).getJsonObject("input");
      assertThat(input.getString("hf_token")).isEqualTo(HF_TOKEN);
      assertThat(input.getString("hub_model_id")).isEqualTo("alice/by-trainer");
      assertThat(new JsonObject(input.getString("config_json")).getBoolean("--push_to_hub")).isTrue();
      // The job's own record never shows the token.
      assertThat(api.get("/api/cloud/jobs/" + jobId).body()).doesNotContain(HF_TOKEN);
    } finally {
      api.put("/api/cloud/delivery/huggingface", new JsonObject().put("token_to_provider", false));
    }
  }

  @Test
  void aBadRepoNameIsRefusedBeforeAnythingIsStored() {
    Api.Response r = tunnel.api().post("/api/cloud/jobs/submit?provider=replicate", hubBody("alice/../etc"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().getString("code")).isEqualTo("invalid_input");
  }

  @Test
  void aFailedJobIsNotPushed() {
    Api api = tunnel.api();
    replicate.autoRun(-1, -1);
    try {
      String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", hubBody("alice/failed-run")).json()
          .getString("job_id");
      String external = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30))
          .getString("external_id");
      replicate.fail(external, "CUDA out of memory");
      JsonObject job = settled(api, jobId);
      assertThat(job.getString("status")).isEqualTo("failed");
      assertThat(target(job, "huggingface").getString("status")).isEqualTo("skipped");
      assertThat(hub.repoExists("alice/failed-run")).isFalse();
    } finally {
      replicate.autoRun(50, 300);
    }
  }

  @Test
  void aFinalUploadRacingTheCompletionWebhookIsDelivered() {
    Api api = tunnel.api();
    replicate.trainerOutputs(Map.of("output/pytorch_lora_weights.safetensors", new byte[300_000]), true);
    try {
      String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", hubBody("alice/late-upload")).json()
          .getString("job_id");
      JsonObject job = settled(api, jobId);
      assertThat(job.getString("status")).isEqualTo("completed");
      assertThat(target(job, "huggingface").getString("status")).as(job.encode()).isEqualTo("delivered");
      assertThat(hub.files("alice/late-upload")).containsKey("pytorch_lora_weights.safetensors");
    } finally {
      replicate.trainerOutputs(Map.of(), false);
    }
  }

  @Test
  void aLocalTrainerSendsItsFilesHomeAndTheServerPushesThem() {
    Api api = noTunnel.api();
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", hubBody("alice/local-run")).json()
        .getString("job_id");
    JsonObject job = settled(api, jobId);
    assertThat(job.getString("status")).isEqualTo("completed");
    assertThat(target(job, "huggingface").getString("status")).as(job.encode()).isEqualTo("delivered");
    assertThat(hub.files("alice/local-run")).containsKeys("pytorch_lora_weights.safetensors",
        "training_summary.json", "README.md");
    JsonArray files = api.get("/api/cloud/jobs/" + jobId + "/outputs").json().getJsonArray("files");
    assertThat(files.stream().map(f -> ((JsonObject) f).getString("path")))
        .contains("output/pytorch_lora_weights.safetensors");
  }
}
