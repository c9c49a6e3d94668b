package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The storage endpoint's limits through the real AWS SDK: a job's cap on what it may store, the
 * state disk's free-space floor (configured above the disk's free space, so every upload meets it),
 * each refused with the S3 error and noted on the job; and idle connections closed.
 */
class StorageLimitsTest {
  private TestServer server;
  private Path config;
  private String jobId;

  private Api start(String yaml) throws Exception {
    config = Files.createTempFile("st-limits", ".yaml");
    Files.writeString(config, yaml);
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    Api api = server.api();
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    jobId = r.json().getString("job_id");
    return api;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      // A client of its own: with a 1 s idle timeout the server may have closed the test's pooled connection.
      new Api(server.api().base()).postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
      server.close();
    }
    Files.deleteIfExists(config);
  }

  private S3Client client() {
    return S3Client.builder().endpointOverride(URI.create(server.api().base() + "/api/cloud/storage"))
        .region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            JobTokens.storageAccessKey(jobId), server.server().context().tokens().storageSecret(jobId))))
        .build();
  }

  @Test
  void aJobMayStoreUpToItsCapThenGetsEntityTooLarge() throws Exception {
    Api api = start("storage:\n  received_mb_per_job: 1\n");
    byte[] part = new byte[600 * 1024];
    try (S3Client s3 = client()) {
      s3.putObject(b -> b.bucket("outputs").key(jobId + "/first.bin"), RequestBody.fromBytes(part));
      assertThatThrownBy(() -> s3.putObject(b -> b.bucket("outputs").key(jobId + "/second.bin"),
          RequestBody.fromBytes(part)))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("EntityTooLarge");
          });
      assertThat(s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobId + "/")).contents())
          .as("the refused object left nothing").hasSize(1);
      // Replacing what it holds within the cap still works: the cap counts bytes held, not requests.
      s3.putObject(b -> b.bucket("outputs").key(jobId + "/small.txt"), RequestBody.fromString("small"));
    }
    Api.Response events = api.get("/api/cloud/jobs/" + jobId + "/events");
    JsonObject note = events.json().getJsonArray("events").stream().map(JsonObject.class::cast)
        .filter(e -> "storage_refused".equals(e.getString("type"))).findFirst().orElseThrow(
            () -> new AssertionError("no storage_refused entry: " + events.body())).getJsonObject("data");
    assertThat(note.getString("reason")).isEqualTo("job_cap");
    assertThat(note.getString("error")).isEqualTo("EntityTooLarge");
    assertThat(note.getLong("limit_bytes")).isEqualTo(1024L * 1024);
  }

  @Test
  void belowTheDiskFloorUploadsGetMiniosStorageFull() throws Exception {
    Api api = start("storage:\n  min_free_mb: 900000000\n");
    try (S3Client s3 = client()) {
      assertThatThrownBy(() -> s3.putObject(b -> b.bucket("outputs").key(jobId + "/model.bin"),
          RequestBody.fromString("weights")))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.statusCode()).isEqualTo(507);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("XMinioStorageFull");
          });
      String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(jobId + "/big.bin")).uploadId();
      assertThatThrownBy(() -> s3.uploadPart(b -> b.bucket("outputs").key(jobId + "/big.bin").uploadId(uploadId)
          .partNumber(1), RequestBody.fromString("part")))
          .as("parts meet the floor too")
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(507));
      assertThat(s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobId + "/")).contents()).isEmpty();
    }
    assertThat(Files.exists(server.stateDir().resolve("cloud_outputs/outputs").resolve(jobId).resolve("model.bin")))
        .isFalse();
    JsonObject note = api.get("/api/cloud/jobs/" + jobId + "/events").json().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> "storage_refused".equals(e.getString("type"))).findFirst()
        .orElseThrow().getJsonObject("data");
    assertThat(note.getString("reason")).isEqualTo("disk_floor");
    assertThat(note.getString("error")).isEqualTo("XMinioStorageFull");
  }

  @Test
  void aConnectionThatSendsNothingIsClosed() throws Exception {
    Api api = start("storage:\n  idle_timeout_seconds: 1\n");
    URI base = URI.create(api.base());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000); // far above the idle timeout: the server closes first
      InputStream in = socket.getInputStream();
      assertThat(in.read()).as("closed by the server, nothing sent").isEqualTo(-1);
    }
  }
}
