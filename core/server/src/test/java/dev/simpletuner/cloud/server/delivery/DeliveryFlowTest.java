package dev.simpletuner.cloud.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.delivery.huggingface.FakeHub;
import dev.simpletuner.cloud.delivery.s3.S3ProxyServer;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The seed's three delivery options end to end: a cloud trainer (the Replicate fake) sends its
 * outputs home through the storage endpoint with the real AWS SDK, and the server pushes them to a
 * fake Hugging Face Hub or a real S3-compatible server (s3proxy), reporting each target on the job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryFlowTest {
  private static final String HF_TOKEN = "hf_test_write_token_0123456789";
  private FakeReplicate replicate;
  private FakeHub hub;
  private S3ProxyServer s3proxy;
  private Path config;
  private final Map<Backend, TestServer> servers = new java.util.EnumMap<>(Backend.class);
  private final Map<String, byte[]> trainerFiles = new LinkedHashMap<>();

  @BeforeAll
  void start() throws IOException {
    byte[] weights = new byte[12 * 1024 * 1024];
    new Random(7).nextBytes(weights);
    trainerFiles.put("output/pytorch_lora_weights.safetensors", weights);
    trainerFiles.put("output/training_summary.json", "{\"steps\": 10}".getBytes());
    replicate = FakeReplicate.start().autoRun(50, 300).trainerOutputs(trainerFiles, false);
    hub = new FakeHub().start().await();
    hub.addToken(HF_TOKEN, "alice", "write");
    s3proxy = S3ProxyServer.start();
    s3proxy.createBucket("models");
    config = Files.createTempFile("st-delivery", ".yaml");
    Files.writeString(config, "storage:\n  grace_seconds: 60\n  settle_seconds: 1\n");
  }

  @AfterAll
  void stop() throws IOException {
    servers.values().forEach(TestServer::close);
    replicate.close();
    hub.stop().await();
    s3proxy.close();
    Files.deleteIfExists(config);
  }

  private TestServer server(Backend backend) {
    return servers.computeIfAbsent(backend, b -> TestServer.withReplicate(b, replicate, Map.of(
        "HF_TOKEN", HF_TOKEN, "HF_ENDPOINT", hub.endpoint(), "SIMPLETUNER_CONFIG", config.toString())));
  }

  private static JsonObject body(JsonObject extraConfig) {
    return new JsonObject().put("config", Configs.lora()
            .put("--max_train_steps", 10).put("--pretrained_model_name_or_path", "black-forest-labs/FLUX.1-dev")
            .mergeIn(extraConfig))
        .put("dataloader_config", new JsonArray());
  }

  private static JsonObject deliveredJob(Api api, String jobId) {
    return api.waitFor(jobId, j -> j.getBoolean("is_terminal") && j.getJsonArray("delivery").stream()
        .map(JsonObject.class::cast).noneMatch(e -> e.getString("status").matches("pending|delivering")),
        Duration.ofSeconds(90));
  }

  private static JsonObject target(JsonObject job, String id) {
    return job.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(e -> id.equals(e.getString("target"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + id + " target in " + job.getJsonArray("delivery")));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void pushToHubKeepsTheTokenOnThisMachine(Backend backend) {
    Api api = server(backend).api();
    String repo = "alice/flux-lora-" + backend.name().toLowerCase();
    JsonObject submitted = api.post("/api/cloud/jobs/submit?provider=replicate", body(new JsonObject()
        .put("--push_to_hub", true).put("--hub_model_id", repo))).json();
    String jobId = submitted.getString("job_id");
    JsonObject job = deliveredJob(api, jobId);

    assertThat(job.getString("status")).isEqualTo("completed");
    JsonObject hf = target(job, "huggingface");
    assertThat(hf.getString("status")).as(hf.encode()).isEqualTo("delivered");
    assertThat(hf.getString("mode")).isEqualTo("server");
    assertThat(hf.getString("url")).isEqualTo(hub.endpoint() + "/" + repo);
    assertThat(job.getString("output_url")).isEqualTo(hub.endpoint() + "/" + repo);
    assertThat(target(job, "local").getString("status")).isEqualTo("delivered");

    // The Hub has the trainer's files at the repo root, byte for byte, in a private repo with a card.
    assertThat(hub.isPrivate(repo)).isTrue();
    assertThat(hub.files(repo).get("pytorch_lora_weights.safetensors").sha256())
        .isEqualTo(sha256(trainerFiles.get("output/pytorch_lora_weights.safetensors")));
    assertThat(hub.files(repo)).containsKeys("training_summary.json", "README.md");
    assertThat(hub.text(repo, "README.md")).contains("black-forest-labs/FLUX.1-dev");

    // The trainer was told not to push and where to send its files; the token never left.
    JsonObject input = replicate.prediction(job.getString("external_id")).getJsonObject("input");
    assertThat(input.encode()).doesNotContain(HF_TOKEN);
    JsonObject trainerConfig = new JsonObject(input.getString("config_json"));
    assertThat(trainerConfig.getBoolean("--push_to_hub")).isFalse();
    // Home is the model's own S3 target (its s3_* inputs replace any --publishing_config).
    assertThat(trainerConfig.containsKey("--publishing_config")).isFalse();
    assertThat(input.getString("s3_endpoint_url")).isEqualTo(api.base() + "/api/cloud/storage");
    assertThat(input.getString("s3_base_path")).isEqualTo(jobId);
    assertThat(input.getString("s3_bucket")).isEqualTo("outputs");

    // The files are on this machine too, listed and downloadable with their checksums.
    JsonObject outputs = api.get("/api/cloud/jobs/" + jobId + "/outputs").json();
    assertThat(outputs.getJsonArray("files")).hasSize(2);
    assertThat(server(backend).stateDir().resolve("cloud_outputs/outputs/" + jobId
        + "/output/pytorch_lora_weights.safetensors")).exists();
    Api.Response range = api.get("/api/cloud/jobs/" + jobId + "/outputs/download?path=output/training_summary.json",
        "Range", "bytes=0-8");
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.body()).isEqualTo("{\"steps\":");

    // A second delivery finds everything there: nothing uploaded, no new commit.
    int commits = hub.commitCount(repo);
    assertThat(api.postEmpty("/api/cloud/jobs/" + jobId + "/delivery/huggingface/retry").status()).isEqualTo(202);
    api.waitFor(jobId, j -> "delivered".equals(target(j, "huggingface").getString("status"))
        && !target(j, "huggingface").getString("finished_at").equals(hf.getString("finished_at")), Duration.ofSeconds(30));
    assertThat(hub.commitCount(repo)).isEqualTo(commits);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void s3DeliveryFromFilesTheServerHolds(Backend backend) {
    Api api = server(backend).api();
    Api.Response saved = api.put("/api/cloud/delivery/s3", new JsonObject().put("enabled", true)
        .put("endpoint_url", s3proxy.endpoint()).put("bucket", "models").put("access_key", s3proxy.accessKey())
        .put("secret_key", s3proxy.secretKey()).put("prefix", "runs/"));
    assertThat(saved.status()).as(saved.body()).isEqualTo(200);
    assertThat(saved.body()).doesNotContain(s3proxy.secretKey());
    assertThat(api.get("/api/cloud/delivery/s3/validate").json().getBoolean("valid")).isTrue();
    try {
      String jobId = api.post("/api/cloud/jobs/submit?provider=replicate", body(new JsonObject())).json()
          .getString("job_id");
      JsonObject job = deliveredJob(api, jobId);
      JsonObject s3 = target(job, "s3");
      assertThat(s3.getString("status")).as(s3.encode()).isEqualTo("delivered");
      assertThat(job.getString("output_url")).as(job.encode()).isEqualTo("s3://models/runs/" + jobId + "/");
      try (S3Client client = S3Client.builder().endpointOverride(URI.create(s3proxy.endpoint()))
          .region(Region.US_EAST_1).forcePathStyle(true)
          // s3proxy 2.6 answers 501 to the checksum-mode header newer SDKs send on GET.
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .credentialsProvider(StaticCredentialsProvider.create(
              AwsBasicCredentials.create(s3proxy.accessKey(), s3proxy.secretKey()))).build()) {
        byte[] weights = client.getObjectAsBytes(b -> b.bucket("models")
            .key("runs/" + jobId + "/pytorch_lora_weights.safetensors")).asByteArray();
        assertThat(sha256(weights)).isEqualTo(sha256(trainerFiles.get("output/pytorch_lora_weights.safetensors")));
      }
    } finally {
      api.put("/api/cloud/delivery/s3", new JsonObject().put("enabled", false));
    }
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
