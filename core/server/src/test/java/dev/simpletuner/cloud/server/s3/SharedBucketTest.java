package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.simpletuner.cloud.delivery.s3.S3ProxyServer;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.retention.RetentionPurge;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code storage.backend: s3}: instances on one PostgreSQL keep what trainers send in one
 * bucket (a real S3-compatible server, s3proxy), so an upload begun on one instance is finished,
 * listed, read, copied, deleted, delivered and purged through another, byte for byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedBucketTest {
  private static final String BUCKET = "team-models";
  private static final String PREFIX = "shared/outputs";
  private S3ProxyServer s3proxy;
  private S3Client store;
  private Path config;
  private Path scratch;
  private TestServer a;
  private TestServer b;
  private TestServer c;
  private String jobId;

  @BeforeAll
  void start() throws IOException {
    s3proxy = S3ProxyServer.start();
    s3proxy.createBucket(BUCKET);
    store = sdk(URI.create(s3proxy.endpoint()), s3proxy.accessKey(), s3proxy.secretKey());
    scratch = Files.createTempDirectory("st-shared-");
    config = scratch.resolve("config.yaml");
    // The secret comes from the environment, as it should in production.
    Files.writeString(config, "storage:\n  grace_seconds: 60\n  settle_seconds: 1\n  backend: s3\n  s3:\n"
        + "    endpoint: " + s3proxy.endpoint() + "\n    region: us-east-1\n    bucket: " + BUCKET + "\n"
        + "    prefix: " + PREFIX + "\n    access_key: " + s3proxy.accessKey() + "\n    path_style: true\n"
        + "delivery:\n  local:\n    copy_to: " + scratch.resolve("delivered") + "\n"
        + "retention:\n  job_days: 30\n");
    a = TestServer.start(Backend.POSTGRES, Map.of("SIMPLETUNER_CONFIG", config.toString(),
        "SIMPLETUNER_STORAGE_S3_SECRET_KEY", s3proxy.secretKey(),
        // The job ends (successfully) once the test has sent its files.
        "SIMPLETUNER_LOCAL_COMMAND", "while [ ! -f " + scratch.resolve("done") + " ]; do sleep 0.2; done"));
    b = a.sibling();
    c = b.sibling();
    Api.Response r = a.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray())
        .put("delivery", new JsonArray().add("local")));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    jobId = r.json().getString("job_id");
  }

  @AfterAll
  void stop() throws IOException {
    if (c != null) {
      c.close();
    }
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    if (store != null) {
      store.close();
    }
    s3proxy.close();
    TestServer.deleteTree(scratch);
  }

  private S3Client trainer(TestServer server) {
    String secret = server.server().context().tokens().storageSecret(jobId);
    return sdk(URI.create(server.api().base() + "/api/cloud/storage"), JobTokens.storageAccessKey(jobId), secret);
  }

  private static S3Client sdk(URI endpoint, String accessKey, String secretKey) {
    return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .build();
  }

  private List<String> blobs() {
    return store.listObjectsV2(r -> r.bucket(BUCKET).prefix(PREFIX + "/")).contents().stream().map(S3Object::key)
        .toList();
  }

  @Test
  void objectsSentToOneInstanceAreServedAndDeliveredByTheOther() throws Exception {
    byte[] weights = new byte[12 * 1024 * 1024 + 12345];
    new Random(7).nextBytes(weights);
    byte[] summary = "{\"steps\": 10}".getBytes(StandardCharsets.UTF_8);
    String weightsKey = jobId + "/output/pytorch_lora_weights.safetensors";
    String summaryKey = jobId + "/output/training_summary.json";
    try (S3Client viaA = trainer(a); S3Client viaB = trainer(b)) {
      viaA.putObject(r -> r.bucket("outputs").key(summaryKey), RequestBody.fromBytes(summary));
      // A body goes to the bucket as it arrives (in batches, at the bucket's pace) ...
      byte[] samples = new byte[3 * 1024 * 1024 + 7];
      new Random(3).nextBytes(samples);
      String samplesKey = jobId + "/samples.bin";
      viaA.putObject(r -> r.bucket("outputs").key(samplesKey), RequestBody.fromBytes(samples));
      assertThat(viaB.getObjectAsBytes(r -> r.bucket("outputs").key(samplesKey)).asByteArray()).isEqualTo(samples);
      viaB.deleteObject(r -> r.bucket("outputs").key(samplesKey));
      // ... and one that fails its checks leaves nothing there.
      String otherMd5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(samples));
      assertThatThrownBy(() -> viaA.putObject(r -> r.bucket("outputs").key(samplesKey).contentMD5(otherMd5),
          RequestBody.fromBytes(summary))).hasMessageContaining("Content-MD5 you specified did not match");
      assertThat(blobs()).hasSize(1);

      // A multipart upload made on A whose parts arrive at A and B alike, completed on B.
      String uploadId = viaA.createMultipartUpload(r -> r.bucket("outputs").key(weightsKey)).uploadId();
      int partSize = 5 * 1024 * 1024;
      List<CompletedPart> parts = new java.util.ArrayList<>();
      for (int n = 1; (long) (n - 1) * partSize < weights.length; n++) {
        int number = n;
        byte[] chunk = Arrays.copyOfRange(weights, (n - 1) * partSize, Math.min(n * partSize, weights.length));
        S3Client via = n % 2 == 0 ? viaB : viaA;
        String etag = via.uploadPart(r -> r.bucket("outputs").key(weightsKey).uploadId(uploadId).partNumber(number),
            RequestBody.fromBytes(chunk)).eTag();
        parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
      }
      viaB.completeMultipartUpload(r -> r.bucket("outputs").key(weightsKey).uploadId(uploadId)
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));

      // Both objects are blobs of the bucket, nothing is on either instance's disk.
      assertThat(blobs()).hasSize(2).allMatch(k -> k.startsWith(PREFIX + "/"));
      assertThat(store.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
      for (TestServer s : List.of(a, b)) {
        assertThat(s.stateDir().resolve("cloud_outputs/outputs/" + jobId)).doesNotExist();
      }

      // B lists and serves them: whole, a range across a part boundary, HEAD.
      assertThat(viaB.listObjectsV2(r -> r.bucket("outputs").prefix(jobId + "/")).contents())
          .extracting(S3Object::key, S3Object::size)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(weightsKey, (long) weights.length),
              org.assertj.core.groups.Tuple.tuple(summaryKey, (long) summary.length));
      try (InputStream in = viaB.getObject(r -> r.bucket("outputs").key(weightsKey))) {
        assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(weights));
      }
      byte[] range = viaB.getObjectAsBytes(r -> r.bucket("outputs").key(weightsKey)
          .range("bytes=" + (partSize - 100) + "-" + (partSize + 99))).asByteArray();
      assertThat(range).isEqualTo(Arrays.copyOfRange(weights, partSize - 100, partSize + 100));
      assertThat(viaB.headObject(r -> r.bucket("outputs").key(weightsKey)).contentLength())
          .isEqualTo(weights.length);
      assertThat(viaB.getObjectAsBytes(r -> r.bucket("outputs").key(summaryKey)).asByteArray()).isEqualTo(summary);
      try (S3Client viaC = trainer(c)) {
        assertThat(sha256(viaC.getObjectAsBytes(r -> r.bucket("outputs").key(weightsKey)).asByteArray()))
            .isEqualTo(sha256(weights));
      }

      // A copy made through B reads back through A; deleting it through B removes its blob.
      String copyKey = jobId + "/copies/weights.bin";
      viaB.copyObject(r -> r.sourceBucket("outputs").sourceKey(weightsKey).destinationBucket("outputs")
          .destinationKey(copyKey));
      assertThat(blobs()).hasSize(3);
      assertThat(sha256(viaA.getObjectAsBytes(r -> r.bucket("outputs").key(copyKey)).asByteArray()))
          .isEqualTo(sha256(weights));
      viaB.deleteObject(r -> r.bucket("outputs").key(copyKey));
      assertThat(blobs()).hasSize(2);

      // Overwriting through B replaces the blob (the old one goes); A reads the new version.
      byte[] newer = "{\"steps\": 10, \"final\": true}".getBytes(StandardCharsets.UTF_8);
      List<String> before = blobs();
      viaB.putObject(r -> r.bucket("outputs").key(summaryKey), RequestBody.fromBytes(newer));
      assertThat(blobs()).hasSize(2).isNotEqualTo(before);
      assertThat(viaA.getObjectAsBytes(r -> r.bucket("outputs").key(summaryKey)).asByteArray()).isEqualTo(newer);

      // An upload begun on A and aborted on B leaves nothing in the bucket.
      String aborted = viaA.createMultipartUpload(r -> r.bucket("outputs").key(jobId + "/aborted.bin")).uploadId();
      viaA.uploadPart(r -> r.bucket("outputs").key(jobId + "/aborted.bin").uploadId(aborted).partNumber(1),
          RequestBody.fromBytes(new byte[1024]));
      viaB.abortMultipartUpload(r -> r.bucket("outputs").key(jobId + "/aborted.bin").uploadId(aborted));
      assertThat(store.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
      assertThat(blobs()).hasSize(2);
    }

    // The API's download on B streams from the bucket too, with a Range.
    String download = "/api/cloud/jobs/" + jobId + "/outputs/download?path=output/pytorch_lora_weights.safetensors";
    Api.BytesResponse whole = b.api().getBytes(download);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(sha256(whole.body())).isEqualTo(sha256(weights));
    Api.BytesResponse part = b.api().getBytes(download, "Range", "bytes=10-19");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(Arrays.copyOfRange(weights, 10, 20));

    // The job ends; its delivery (the local target copies what arrived) reads the files from the bucket.
    Files.createFile(scratch.resolve("done"));
    JsonObject job = a.api().waitFor(jobId, j -> j.getBoolean("is_terminal") && j.getJsonArray("delivery").stream()
        .map(JsonObject.class::cast).noneMatch(e -> e.getString("status").matches("pending|delivering")),
        Duration.ofSeconds(60));
    assertThat(job.getString("status")).isEqualTo("completed");
    JsonObject local = job.getJsonArray("delivery").getJsonObject(0);
    assertThat(local.getString("status")).as(local.encode()).isEqualTo("delivered");
    Path delivered = scratch.resolve("delivered").resolve(jobId);
    assertThat(sha256(Files.readAllBytes(delivered.resolve("pytorch_lora_weights.safetensors"))))
        .isEqualTo(sha256(weights));
    assertThat(delivered.resolve("training_summary.json")).hasBinaryContent(
        "{\"steps\": 10, \"final\": true}".getBytes(StandardCharsets.UTF_8));
    // The copies made for the delivery are gone again.
    for (TestServer s : List.of(a, b)) {
      Path copies = s.stateDir().resolve("cloud_outputs/.delivering");
      if (Files.exists(copies)) {
        try (Stream<Path> left = Files.list(copies)) {
          assertThat(left).isEmpty();
        }
      }
    }

    // An old job's purge deletes its blobs and aborts the upload it left unfinished in the bucket.
    try (S3Client viaB = trainer(b)) {
      String key = jobId + "/unfinished.bin";
      String uploadId = viaB.createMultipartUpload(r -> r.bucket("outputs").key(key)).uploadId();
      viaB.uploadPart(r -> r.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
          RequestBody.fromBytes(new byte[2048]));
    }
    assertThat(store.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).hasSize(1);
    ServerContext ctx = b.server().context();
    long longAgo = ctx.now() - 40L * 24 * 3600 * 1000;
    ctx.store().jobs().update(jobId, null, JobUpdate.create().completedAt(longAgo), ctx.now()).await();
    assertThat(new RetentionPurge(b.server().vertx(), ctx).run().await().jobs()).isEqualTo(1);
    assertThat(blobs()).isEmpty();
    assertThat(store.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
  }

  @Test
  void aBucketTheCredentialsDoNotReachStopsTheStart() {
    Throwable refused = catchThrowable(() -> TestServer.start(Backend.SQLITE, Map.of(
        "SIMPLETUNER_CONFIG", config.toString(), "SIMPLETUNER_STORAGE_S3_SECRET_KEY", "not-the-secret-key")));
    StringBuilder messages = new StringBuilder();
    for (Throwable t = refused; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertThat(messages).contains("storage.backend is s3, but s3://" + BUCKET + "/" + PREFIX + "/")
        .contains("cannot be listed").contains("SignatureDoesNotMatch").doesNotContain("not-the-secret-key");
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
