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
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The storage endpoint against the real AWS SDK for Java v2, with its default checksum settings
 * (aws-chunked bodies with CRC32 trailers): what a trainer's S3 client does, including the
 * refusals that must leave nothing behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorageEndpointTest {
  private TestServer server;
  private Api api;
  private Path config;
  private String jobA;
  private String jobB;
  private S3Client s3;

  @BeforeAll
  void start() throws IOException {
    config = Files.createTempFile("st-storage", ".yaml");
    Files.writeString(config, "storage:\n  grace_seconds: 3\n  settle_seconds: 1\n");
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    api = server.api();
    jobA = submit();
    jobB = submit();
    s3 = client(JobTokens.storageAccessKey(jobA), secret(jobA));
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
    api.postEmpty("/api/cloud/jobs/" + jobA + "/cancel");
    api.postEmpty("/api/cloud/jobs/" + jobB + "/cancel");
    server.close();
    Files.deleteIfExists(config);
  }

  private String submit() {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  private String secret(String jobId) {
    return server.server().context().tokens().storageSecret(jobId);
  }

  private URI endpoint() {
    return URI.create(api.base() + "/api/cloud/storage");
  }

  private S3Client client(String accessKey, String secretKey) {
    return S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .build();
  }

  private S3Presigner presigner() {
    return S3Presigner.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
        .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true)
            .build())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            JobTokens.storageAccessKey(jobA), secret(jobA)))).build();
  }

  private Path stored(String key) {
    return server.stateDir().resolve("cloud_outputs").resolve("outputs").resolve(key);
  }

  @Test
  void putGetHeadAndRangeWithDefaultChecksums() {
    String key = jobA + "/lora/pytorch_lora_weights.safetensors";
    byte[] body = "weights of a small lora, for the test".getBytes(StandardCharsets.UTF_8);
    String etag = s3.putObject(b -> b.bucket("outputs").key(key).contentType("application/octet-stream")
        .metadata(Map.of("step", "100")), RequestBody.fromBytes(body)).eTag();
    assertThat(etag).isEqualTo("\"" + md5(body) + "\"");

    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("outputs").key(key));
    assertThat(got.asByteArray()).isEqualTo(body);
    assertThat(got.response().metadata()).containsEntry("step", "100");
    assertThat(s3.headObject(b -> b.bucket("outputs").key(key)).contentLength()).isEqualTo(body.length);
    byte[] range = s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).range("bytes=8-12")).asByteArray();
    assertThat(new String(range, StandardCharsets.UTF_8)).isEqualTo("of a ");
    assertThat(stored(key)).hasBinaryContent(body);
  }

  @Test
  void multipartUploadOf200MegabytesWithDefaultChecksums() throws Exception {
    Path file = Files.createTempFile("st-200mb", ".bin");
    try {
      long size = 200L * 1024 * 1024;
      writeRandom(file, size);
      String key = jobA + "/final/model.safetensors";
      String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
      int partSize = 25 * 1024 * 1024;
      List<CompletedPart> parts = new ArrayList<>();
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        for (int n = 1; (long) (n - 1) * partSize < size; n++) {
          byte[] chunk = new byte[(int) Math.min(partSize, size - (long) (n - 1) * partSize)];
          in.readFully(chunk);
          int number = n;
          String etag = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(number),
              RequestBody.fromBytes(chunk)).eTag();
          parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
      }
      assertThat(s3.listParts(b -> b.bucket("outputs").key(key).uploadId(uploadId)).parts()).hasSize(8);
      s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));

      assertThat(sha256(stored(key))).isEqualTo(sha256(file));
      try (InputStream in = s3.getObject(b -> b.bucket("outputs").key(key))) {
        assertThat(sha256(in)).isEqualTo(sha256(file));
      }
      JsonObject listed = api.get("/api/cloud/jobs/" + jobA + "/outputs").json();
      JsonObject entry = listed.getJsonArray("files").stream().map(JsonObject.class::cast)
          .filter(f -> f.getString("path").equals("final/model.safetensors")).findFirst().orElseThrow();
      assertThat(entry.getLong("size")).isEqualTo(size);
      assertThat(entry.getString("sha256")).isEqualTo(sha256(file));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void listWithPrefixAndDelimiter() {
    for (String name : List.of("list/a.txt", "list/b.txt", "list/sub/c.txt")) {
      s3.putObject(b -> b.bucket("outputs").key(jobA + "/" + name), RequestBody.fromString(name));
    }
    ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobA + "/list/").delimiter("/"));
    assertThat(top.contents()).extracting(S3Object::key).containsExactly(jobA + "/list/a.txt", jobA + "/list/b.txt");
    assertThat(top.commonPrefixes()).extracting(p -> p.prefix()).containsExactly(jobA + "/list/sub/");
    ListObjectsV2Response paged = s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobA + "/list/").maxKeys(2));
    assertThat(paged.isTruncated()).isTrue();
    ListObjectsV2Response rest = s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobA + "/list/")
        .continuationToken(paged.nextContinuationToken()));
    assertThat(rest.contents()).extracting(S3Object::key).containsExactly(jobA + "/list/sub/c.txt");
    assertThatThrownBy(() -> s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobB + "/")))
        .isInstanceOf(S3Exception.class).extracting(e -> ((S3Exception) e).awsErrorDetails().errorCode())
        .isEqualTo("AccessDenied");
  }

  @Test
  void abortedUploadIsGone() {
    String key = jobA + "/aborted.bin";
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(new byte[1024]));
    s3.abortMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId));
    assertThat(code(() -> s3.listParts(b -> b.bucket("outputs").key(key).uploadId(uploadId)))).isEqualTo(
        "NoSuchUpload");
    assertThat(stored(key)).doesNotExist();
    assertThat(server.stateDir().resolve("cloud_outputs/.multipart/" + uploadId)).doesNotExist();
  }

  @Test
  void presignedPutAndGet() throws Exception {
    String key = jobA + "/presigned/sample.png";
    try (S3Presigner presigner = presigner()) {
      PresignedPutObjectRequest put = presigner.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5))
          .putObjectRequest(r -> r.bucket("outputs").key(key)));
      HttpURLConnection c = (HttpURLConnection) put.url().openConnection();
      c.setRequestMethod("PUT");
      c.setDoOutput(true);
      put.signedHeaders().forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
      c.getOutputStream().write("png bytes".getBytes(StandardCharsets.UTF_8));
      assertThat(c.getResponseCode()).isEqualTo(200);
      URI get = presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(r -> r.bucket("outputs").key(key))).url().toURI();
      HttpURLConnection g = (HttpURLConnection) get.toURL().openConnection();
      assertThat(new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("png bytes");
    }
  }

  /**
   * SDKs ask {@code Expect: 100-continue} before every upload: an authorized one is told to go on at
   * once (not after the client's timeout), a refused one gets its error without the body being sent.
   */
  @Test
  void expectContinueIsAnsweredAfterAuthorization() throws Exception {
    String key = jobA + "/continue/weights.bin";
    try (S3Presigner presigner = presigner()) {
      URI good = presigner.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5))
          .putObjectRequest(r -> r.bucket("outputs").key(key))).url().toURI();
      try (java.net.Socket socket = new java.net.Socket(good.getHost(), good.getPort())) {
        socket.setSoTimeout(2_000);
        var out = socket.getOutputStream();
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII));
        out.write(("PUT " + good.getRawPath() + "?" + good.getRawQuery() + " HTTP/1.1\r\nHost: " + good.getHost() + ":"
            + good.getPort() + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
        assertThat(in.readLine()).isEmpty();
        out.write("bytes".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
      }
      assertThat(stored(key)).hasBinaryContent("bytes".getBytes(StandardCharsets.US_ASCII));

      String forged = good.getRawQuery().replaceAll("X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0".repeat(64));
      try (java.net.Socket socket = new java.net.Socket(good.getHost(), good.getPort())) {
        socket.setSoTimeout(2_000);
        socket.getOutputStream().write(("PUT " + good.getRawPath().replace("weights", "forged") + "?" + forged
            + " HTTP/1.1\r\nHost: " + good.getHost() + ":" + good.getPort()
            + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII)).readLine();
        assertThat(status).isEqualTo("HTTP/1.1 403 Forbidden");
      }
      assertThat(stored(jobA + "/continue/forged.bin")).doesNotExist();
    }
  }

  @Test
  void refusalsLeaveNothingBehind() {
    String wrongSecretKey = jobA + "/wrong-secret.bin";
    try (S3Client wrong = client(JobTokens.storageAccessKey(jobA), secret(jobA) + "x")) {
      assertThat(code(() -> wrong.putObject(b -> b.bucket("outputs").key(wrongSecretKey),
          RequestBody.fromString("x")))).isEqualTo("SignatureDoesNotMatch");
    }
    assertThat(stored(wrongSecretKey)).doesNotExist();

    try (S3Client unknown = client("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")) {
      assertThat(code(() -> unknown.putObject(b -> b.bucket("outputs").key(jobA + "/x"), RequestBody.fromString("x"))))
          .isEqualTo("InvalidAccessKeyId");
    }

    String otherJob = jobB + "/stolen.bin";
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(otherJob), RequestBody.fromString("x"))))
        .isEqualTo("AccessDenied");
    assertThat(stored(otherJob)).doesNotExist();

    String escaping = jobA + "/../" + jobB + "/escape.bin";
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(escaping), RequestBody.fromString("x"))))
        .isEqualTo("AccessDenied");
    assertThat(stored(jobB + "/escape.bin")).doesNotExist();

    assertThat(code(() -> s3.putObject(b -> b.bucket("other-bucket").key(jobA + "/x"), RequestBody.fromString("x"))))
        .isEqualTo("NoSuchBucket");

    Api.Response anonymous = api.raw("PUT", "/api/cloud/storage/outputs/" + jobA + "/anon.bin",
        "application/octet-stream", "x".getBytes(StandardCharsets.UTF_8));
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.body()).contains("<Code>AccessDenied</Code>");
    assertThat(stored(jobA + "/anon.bin")).doesNotExist();
  }

  @Test
  void credentialsOutliveTheJobByTheGracePeriodOnly() {
    String job = submit();
    try (S3Client mine = client(JobTokens.storageAccessKey(job), secret(job))) {
      assertThat(api.postEmpty("/api/cloud/jobs/" + job + "/cancel").status()).isEqualTo(200);
      api.waitFor(job, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
      // A final upload racing the end of the job still lands.
      mine.putObject(b -> b.bucket("outputs").key(job + "/late.bin"), RequestBody.fromString("late"));
      assertThat(stored(job + "/late.bin")).hasContent("late");
      Api.sleep(3_500);
      assertThat(code(() -> mine.putObject(b -> b.bucket("outputs").key(job + "/too-late.bin"),
          RequestBody.fromString("x")))).isEqualTo("AccessDenied");
      assertThat(stored(job + "/too-late.bin")).doesNotExist();
    }
  }

  private static String code(Runnable call) {
    try {
      call.run();
    } catch (S3Exception e) {
      return e.awsErrorDetails().errorCode();
    }
    throw new AssertionError("the call succeeded");
  }

  private static void writeRandom(Path file, long size) throws IOException {
    Random random = new Random(42);
    byte[] block = new byte[1024 * 1024];
    try (var out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += block.length) {
        random.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, size - written));
      }
    }
  }

  private static String md5(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in);
    }
  }

  private static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
