package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.s3.S3Client;
import static dev.simpletuner.cloud.delivery.s3.TestContext.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.delivery.s3.ScriptedS3Server.Received;
import dev.simpletuner.cloud.delivery.s3.ScriptedS3Server.Reply;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which answers are retried and which are reported at once, against a scripted S3 endpoint. */
class S3RetryTest {
  private static final S3Client.Backoff FAST = new S3Client.Backoff(3, 10, 50);
  private static final long MIB = 1024 * 1024;
  private static final String OK_PUT = "";

  @TempDir
  Path tmp;
  Vertx vertx;
  ScriptedS3Server server;
  S3Delivery target;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() throws Exception {
    if (target != null) {
      target.close();
    }
    if (server != null) {
      await(server.close());
    }
    await(vertx.close());
  }

  private S3Delivery target(Function<Received, Reply> script, Map<String, String> extra) throws Exception {
    server = await(ScriptedS3Server.start(vertx, script));
    TestContext context = new TestContext(vertx, tmp.resolve("data"), Map.of("endpoint_url", server.endpoint(),
        "bucket", "models", "access_key", "AK", "secret_key", "SK-secret"));
    extra.forEach(context::set);
    target = new S3Delivery(context, FAST);
    return target;
  }

  /** HEAD finds nothing; PUTs of whole objects get {@code put}. */
  private static Function<Received, Reply> singlePut(Function<Received, Reply> put) {
    return r -> r.method().equals("HEAD") ? Reply.of(404, null) : put.apply(r);
  }

  @Test
  void slowDownIsRetriedAndThenReportedWithItsCode() throws Exception {
    S3Delivery t = target(singlePut(r -> Reply.error(503, "SlowDown", "Please reduce your request rate.")), Map.of());

    assertThatThrownBy(() -> await(t.deliver(job(file("a.bin", 1000)), (d, x) -> { })))
        .hasMessageContaining("SlowDown").hasMessageContaining("Please reduce your request rate.");
    assertThat(server.count("PUT", null)).isEqualTo(FAST.attempts());
  }

  @Test
  void throttlingThatPassesIsInvisible() throws Exception {
    S3Delivery t = target(singlePut(r -> r.nth() <= 2 ? Reply.error(429, "TooManyRequests", "slow down")
        : Reply.of(200, OK_PUT).header("ETag", "\"" + r.bodyMd5() + "\"")), Map.of());

    DeliveryResult result = await(t.deliver(job(file("a.bin", 1000)), (d, x) -> { }));

    assertThat(result.bytes()).isEqualTo(1000);
    assertThat(server.count("PUT", null)).isEqualTo(3);
  }

  @Test
  void accessDeniedIsNotRetried() throws Exception {
    S3Delivery t = target(singlePut(r -> Reply.error(403, "AccessDenied", "Access Denied")), Map.of());

    assertThatThrownBy(() -> await(t.deliver(job(file("a.bin", 1000)), (d, x) -> { })))
        .hasMessageContaining("AccessDenied").hasMessageContaining("Access Denied")
        .hasMessageNotContaining("SK-secret");
    assertThat(server.count("PUT", null)).isEqualTo(1);
  }

  @Test
  void completeAnswering200WithAnErrorIsRetried() throws Exception {
    S3Delivery t = target(multipart(r -> r.nth() == 1
        ? Reply.of(200, "<?xml version=\"1.0\"?>\n\n  <Error><Code>InternalError</Code><Message>We encountered an "
            + "internal error.</Message></Error>")
        : Reply.of(200, completeResult())), Map.of("multipart_threshold_mb", "6", "part_size_mb", "5"));

    DeliveryResult result = await(t.deliver(job(file("big.bin", 12 * MIB)), (d, x) -> { }));

    assertThat(result.note()).isEqualTo("1 file (1 multipart, 0 already there)");
    assertThat(server.count("PUT", "partNumber=")).isEqualTo(3);
    assertThat(server.count("POST", "uploadId=")).isEqualTo(2);
  }

  @Test
  void completeRefusedForGoodStartsOverOnceThenFails() throws Exception {
    S3Delivery t = target(multipart(r -> Reply.of(200, "<Error><Code>InvalidPart</Code><Message>One or more of the "
        + "specified parts could not be found.</Message></Error>")), Map.of("multipart_threshold_mb", "6",
        "part_size_mb", "5"));

    assertThatThrownBy(() -> await(t.deliver(job(file("big.bin", 12 * MIB)), (d, x) -> { })))
        .hasMessageContaining("InvalidPart");
    assertThat(server.count("POST", "uploads")).as("one fresh start").isEqualTo(2);
    assertThat(server.count("DELETE", "uploadId=")).as("the refused upload is aborted").isEqualTo(1);
    assertThat(server.count("POST", "uploadId=")).isEqualTo(2);
  }

  @Test
  void aPartWhoseEtagDoesNotMatchWhatWasSentIsSentAgain() throws Exception {
    S3Delivery t = target(multipart(r -> Reply.of(200, completeResult()), true),
        Map.of("multipart_threshold_mb", "6", "part_size_mb", "5", "parallel_parts", "1"));

    await(t.deliver(job(file("big.bin", 12 * MIB)), (d, x) -> { }));

    assertThat(server.count("PUT", "partNumber=1&")).isEqualTo(2);
    assertThat(server.count("PUT", "partNumber=2&")).isEqualTo(1);
  }

  private static Function<Received, Reply> multipart(Function<Received, Reply> complete) {
    return multipart(complete, false);
  }

  /** A multipart store: create answers an upload id, parts echo their MD5 (the first one wrong if asked). */
  private static Function<Received, Reply> multipart(Function<Received, Reply> complete, boolean corruptFirstPart) {
    return r -> {
      if (r.method().equals("HEAD")) {
        return Reply.of(404, null);
      }
      if (r.is("POST", "uploads")) {
        return Reply.of(200, "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<Bucket>models</Bucket><Key>k</Key><UploadId>up-" + r.nth() + "</UploadId></InitiateMultipartUploadResult>");
      }
      if (r.is("PUT", "partNumber=")) {
        boolean corrupt = corruptFirstPart && r.query().startsWith("partNumber=1&") && r.nth() == 1;
        return Reply.of(200, "").header("ETag", "\"" + (corrupt ? "0".repeat(32) : r.bodyMd5()) + "\"");
      }
      if (r.is("POST", "uploadId=")) {
        return complete.apply(r);
      }
      if (r.is("DELETE", "uploadId=")) {
        return Reply.of(204, null);
      }
      return Reply.error(400, "Unexpected", r.method() + " " + r.query());
    };
  }

  private static String completeResult() {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult "
        + "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>models</Bucket><Key>k</Key>"
        + "<ETag>\"abc-3\"</ETag></CompleteMultipartUploadResult>";
  }

  private DeliveryJob job(OutputFile... files) {
    return new DeliveryJob("job-1", null, new JsonObject(), new JsonObject(), List.of(files), null);
  }

  private OutputFile file(String name, long size) throws Exception {
    Path file = tmp.resolve(name);
    byte[] bytes = new byte[(int) size];
    new Random(size).nextBytes(bytes);
    Files.write(file, bytes);
    return new OutputFile(name, file, size, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(bytes)));
  }
}
