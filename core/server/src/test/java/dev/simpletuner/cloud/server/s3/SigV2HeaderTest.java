package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Configs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Signature Version 2 in the Authorization header ({@code AWS <key>:<signature>}), signed here
 * from the S3 guide's rules (not with the server's code), on both listeners: what it may do, the
 * refusals S3 answers, and that its grant reaches exactly what a SigV4 grant does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigV2HeaderTest {
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private RootListenerServer listener;
  private Api api;
  private Api root;
  private String job;
  private String otherJob;

  @BeforeAll
  void start() throws IOException {
    listener = RootListenerServer.start();
    api = listener.server().api();
    root = new Api("http://127.0.0.1:" + listener.s3Port());
    job = listener.job();
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    otherJob = r.json().getString("job_id");
  }

  @AfterAll
  void stop() throws IOException {
    api.postEmpty("/api/cloud/jobs/" + otherJob + "/cancel");
    listener.close();
  }

  /** One request to sign: the headers S3 signs besides the x-amz-* ones are Content-MD5, Content-Type and Date. */
  private record Signed(String method, String path, byte[] body, Map<String, String> headers) {
    static Signed of(String method, String path, String body, String... headers) {
      Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 0; i + 1 < headers.length; i += 2) {
        h.put(headers[i], headers[i + 1]);
      }
      return new Signed(method, path, body.getBytes(StandardCharsets.UTF_8), h);
    }

    /** StringToSign of "Signing and Authenticating REST Requests"; the Date line is empty when x-amz-date is set. */
    String stringToSign() {
      StringBuilder s = new StringBuilder(method).append('\n')
          .append(headers.getOrDefault("Content-MD5", "")).append('\n')
          .append(headers.getOrDefault("Content-Type", "")).append('\n')
          .append(headers.containsKey("x-amz-date") ? "" : headers.getOrDefault("Date", "")).append('\n');
      new TreeMap<>(headers).forEach((name, value) -> {
        if (name.toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
          s.append(name.toLowerCase(Locale.ROOT)).append(':').append(value).append('\n');
        }
      });
      // The path, then of the query only its sub-resources, sorted (the ones these tests send).
      String[] parts = path.split("\\?", 2);
      s.append(parts[0]);
      if (parts.length > 1) {
        String signed = Arrays.stream(parts[1].split("&"))
            .filter(p -> Set.of("uploads", "uploadId", "partNumber").contains(p.split("=")[0])).sorted()
            .collect(Collectors.joining("&"));
        s.append(signed.isEmpty() ? "" : "?" + signed);
      }
      return s.toString();
    }

    String authorization(String accessKey, String secret) {
      return "AWS " + accessKey + ":" + hmacSha1(secret, stringToSign());
    }

    Api.Response send(Api to, String accessKey, String secret) {
      List<String> pairs = new ArrayList<>();
      headers.forEach((name, value) -> pairs.addAll(List.of(name, value)));
      pairs.addAll(List.of("Authorization", authorization(accessKey, secret)));
      return to.raw(method, path, null, body, pairs.toArray(String[]::new));
    }
  }

  private static String hmacSha1(String secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String now() {
    return HTTP_DATE.format(Instant.now());
  }

  private Api.Response send(Api to, Signed request) {
    return request.send(to, listener.accessKey(), listener.secret());
  }

  private static String code(Api.Response r) {
    int start = r.body().indexOf("<Code>");
    return r.status() + " " + (start < 0 ? "" : r.body().substring(start + 6, r.body().indexOf("</Code>")));
  }

  private Path stored(String key) {
    return listener.server().stateDir().resolve("cloud_outputs").resolve("outputs").resolve(key);
  }

  @Test
  void signedPutGetAndListSucceedOnBothListeners() throws Exception {
    String key = job + "/v2/weights.bin";
    String body = "weights signed with SigV2";
    String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5")
        .digest(body.getBytes(StandardCharsets.UTF_8)));
    Api.Response put = send(api, Signed.of("PUT", "/api/cloud/storage/outputs/" + key, body,
        "Date", now(), "Content-Type", "application/octet-stream", "Content-MD5", md5, "x-amz-meta-step", "100"));
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    assertThat(stored(key)).hasContent(body);

    // x-amz-date instead of Date, against the root listener.
    Api.Response got = send(root, Signed.of("GET", "/outputs/" + key, "", "x-amz-date", now()));
    assertThat(got.status()).as(got.body()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(body);
    assertThat(got.header("x-amz-meta-step")).isEqualTo("100");

    Api.Response listed = send(root, Signed.of("GET", "/outputs?prefix=" + job + "/v2/", "", "Date", now()));
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    assertThat(listed.body()).contains("<Key>" + key + "</Key>");

    // The body is not signed in SigV2, but its Content-MD5 is still checked.
    Api.Response corrupted = send(api, Signed.of("PUT", "/api/cloud/storage/outputs/" + job + "/v2/corrupt.bin",
        "other bytes", "Date", now(), "Content-MD5", md5));
    assertThat(code(corrupted)).isEqualTo("400 BadDigest");
    assertThat(stored(job + "/v2/corrupt.bin")).doesNotExist();
  }

  /** boto3's own SigV2 signer, which signs /bucket/key whatever the path of its endpoint, on both listeners. */
  @Test
  void boto3WithSignatureVersionS3() throws Exception {
    Path script = Path.of("src/test/resources/s3/boto3_sigv2.py").toAbsolutePath();
    for (String endpoint : List.of(api.base() + StorageHandler.PATH, root.base())) {
      Process p = new ProcessBuilder("python3", script.toString(), endpoint, listener.accessKey(), listener.secret(),
          job + "/").redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(endpoint + ": " + out).isZero();
      JsonObject seen = new JsonObject(out.strip());
      assertThat(seen.getString("body")).as(endpoint).isEqualTo("sigv2 bytes");
      assertThat(seen.getString("metadata")).isEqualTo("7");
      assertThat(seen.getJsonArray("listed").getList()).containsExactly(job + "/boto3-sigv2/a b.txt");
      assertThat(seen.getString("multipart")).isEqualTo("one part");
      assertThat(seen.getString("presigned")).isEqualTo("sigv2 bytes");
      assertThat(seen.getInteger("after_delete")).isZero();
    }
  }

  /** Sub-resources (uploads, partNumber, uploadId) are part of what is signed. */
  @Test
  void multipartUpload() {
    String path = "/outputs/" + job + "/v2/multipart.bin";
    Api.Response created = send(root, Signed.of("POST", path + "?uploads", "", "Date", now()));
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    String uploadId = created.body().replaceAll("(?s).*<UploadId>(.*)</UploadId>.*", "$1");
    Api.Response part = send(root, Signed.of("PUT", path + "?partNumber=1&uploadId=" + uploadId, "one part",
        "Date", now()));
    assertThat(part.status()).as(part.body()).isEqualTo(200);
    String xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + part.header("ETag")
        + "</ETag></Part></CompleteMultipartUpload>";
    Api.Response completed = send(root, Signed.of("POST", path + "?uploadId=" + uploadId, xml, "Date", now(),
        "Content-Type", "application/xml"));
    assertThat(completed.status()).as(completed.body()).isEqualTo(200);
    assertThat(stored(job + "/v2/multipart.bin")).hasContent("one part");
  }

  @Test
  void refusalsAreS3s() {
    String key = job + "/v2/refused.bin";
    Signed put = Signed.of("PUT", "/outputs/" + key, "x", "Date", now());
    assertThat(code(put.send(root, listener.accessKey(), listener.secret() + "x")))
        .isEqualTo("403 SignatureDoesNotMatch");
    Signed metaA1 = Signed.of("PUT", "/outputs/" + key, "x", "Date", now(), "x-amz-meta-a", "1");
    assertThat(code(root.raw("PUT", "/outputs/" + key, null, new byte[] {'x'}, "Date", metaA1.headers().get("Date"),
        "x-amz-meta-a", "2", "Authorization", metaA1.authorization(listener.accessKey(), listener.secret()))))
        .as("a signed x-amz-* header changed").isEqualTo("403 SignatureDoesNotMatch");
    assertThat(code(put.send(root, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
        .isEqualTo("403 InvalidAccessKeyId");

    String skewed = HTTP_DATE.format(Instant.now().minus(Duration.ofMinutes(20)));
    assertThat(code(send(root, Signed.of("PUT", "/outputs/" + key, "x", "Date", skewed))))
        .isEqualTo("403 RequestTimeTooSkewed");
    String ahead = HTTP_DATE.format(Instant.now().plus(Duration.ofMinutes(20)));
    assertThat(code(send(root, Signed.of("PUT", "/outputs/" + key, "x", "x-amz-date", ahead))))
        .isEqualTo("403 RequestTimeTooSkewed");
    assertThat(code(send(root, Signed.of("PUT", "/outputs/" + key, "x", "x-amz-date", "Bad Date"))))
        .isEqualTo("403 AccessDenied");
    assertThat(code(send(root, Signed.of("PUT", "/outputs/" + key, "x")))).isEqualTo("403 AccessDenied");
    assertThat(code(root.raw("PUT", "/outputs/" + key, null, new byte[] {'x'}, "Date", now(), "Authorization",
        "AWS no-signature"))).isEqualTo("400 InvalidArgument");
    assertThat(stored(key)).doesNotExist();
  }

  /** The same targets, refused alike whether the job's credentials signed with SigV2 or SigV4. */
  @Test
  void aSigV2GrantIsConfinedAsASigV4One() {
    try (S3Client sigV4 = S3Client.builder().endpointOverride(URI.create(root.base())).region(Region.US_EAST_1)
        .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            JobTokens.storageAccessKey(job), listener.secret()))).build()) {
      Map<String, String> expected = Map.of(
          "outputs/" + otherJob + "/stolen.bin", "403 AccessDenied",
          "outputs/" + job + "/../" + otherJob + "/escaped.bin", "403 AccessDenied",
          "other-bucket/" + job + "/x.bin", "404 NoSuchBucket");
      expected.forEach((target, answer) -> {
        assertThat(code(send(root, Signed.of("PUT", "/" + target, "x", "Date", now())))).as(target)
            .isEqualTo(answer);
        String bucket = target.substring(0, target.indexOf('/'));
        String key = target.substring(bucket.length() + 1);
        try {
          sigV4.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
          throw new AssertionError("SigV4 put of " + target + " succeeded");
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
          assertThat(e.statusCode() + " " + e.awsErrorDetails().errorCode()).as(target).isEqualTo(answer);
        }
      });
      assertThat(stored(otherJob + "/stolen.bin")).doesNotExist();
      assertThat(stored(otherJob + "/escaped.bin")).doesNotExist();
    }
  }
}
