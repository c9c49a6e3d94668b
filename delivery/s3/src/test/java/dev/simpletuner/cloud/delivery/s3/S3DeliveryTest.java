package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.s3.S3Client;
import static dev.simpletuner.cloud.delivery.s3.TestContext.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** Delivery against a real S3-compatible server (s3proxy in its own process), checked with the AWS SDK. */
class S3DeliveryTest {
  private static final long MIB = 1024 * 1024;
  /** Quick retries so that failure paths finish in a second or two. */
  private static final S3Client.Backoff FAST = new S3Client.Backoff(3, 20, 100);

  static S3ProxyServer s3;
  static StoreInspector store;
  static Vertx vertx;

  @TempDir
  Path tmp;
  String bucket;
  final List<S3Delivery> targets = new ArrayList<>();

  @BeforeAll
  static void startStore() {
    s3 = S3ProxyServer.start();
    store = new StoreInspector(s3);
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopStore() throws Exception {
    if (store != null) {
      store.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @BeforeEach
  void bucket(TestInfo info) {
    bucket = "b-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "").substring(0, 12)
        + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    s3.createBucket(bucket);
  }

  @AfterEach
  void closeTargets() {
    targets.forEach(S3Delivery::close);
  }

  private TestContext context(String endpoint) {
    return new TestContext(vertx, tmp.resolve("data"), TestContext.settingsFor(s3, endpoint, bucket));
  }

  private S3Delivery target(TestContext context) {
    S3Delivery t = new S3Delivery(context, FAST);
    targets.add(t);
    return t;
  }

  @Test
  void smallFilesArriveWithTheirContentAndChecksum() throws Exception {
    OutputFile weights = file("my lora/pytorch_lora_weights.safetensors", 300_000, 1);
    OutputFile config = file("my lora/config+1.json", 1_234, 2);
    OutputFile empty = file("empty.txt", 0, 3);
    AtomicLong reported = new AtomicLong();

    DeliveryResult result = await(target(context(s3.endpoint())).deliver(job("job-1", weights, config, empty),
        (done, total) -> reported.set(done)));

    assertThat(result.url()).isEqualTo("s3://" + bucket + "/simpletuner/job-1/");
    assertThat(result.bytes()).isEqualTo(301_234);
    assertThat(result.note()).isEqualTo("3 files (0 multipart, 0 already there)");
    assertThat(reported.get()).isEqualTo(301_234);
    for (OutputFile f : List.of(weights, config, empty)) {
      String key = "simpletuner/job-1/" + f.path();
      assertThat(store.sha256(bucket, key)).as(key).isEqualTo(f.sha256());
      assertThat(store.metadata(bucket, key)).containsEntry("sha256", f.sha256());
    }
  }

  @Test
  void largeFileGoesMultipartWithParallelParts() throws Exception {
    OutputFile big = file("model.safetensors", 40 * MIB + 123, 7);
    TestContext context = context(s3.endpoint()).set("multipart_threshold_mb", "8").set("part_size_mb", "5")
        .set("parallel_parts", "3");

    DeliveryResult result = await(target(context).deliver(job("job-big", big), (d, t) -> { }));

    assertThat(result.note()).isEqualTo("1 file (1 multipart, 0 already there)");
    String key = "simpletuner/job-big/model.safetensors";
    assertThat(store.head(bucket, key).eTag()).endsWith("-9\"");
    assertThat(store.head(bucket, key).contentLength()).isEqualTo(big.size());
    assertThat(store.sha256(bucket, key)).isEqualTo(big.sha256());
    assertThat(store.metadata(bucket, key)).containsEntry("sha256", big.sha256());
    assertThat(stateFiles(context)).as("state is removed once complete").isEmpty();
  }

  @Test
  void interruptedMultipartResumesWithAFreshTargetAndSendsOnlyMissingParts() throws Exception {
    OutputFile big = file("model.safetensors", 40 * MIB, 11);
    FaultInjectingProxy net = await(FaultInjectingProxy.start(vertx, "127.0.0.1", s3.port()));
    try {
      TestContext context = context(net.endpoint()).set("multipart_threshold_mb", "8").set("part_size_mb", "5")
          .set("parallel_parts", "2");
      net.cutAfter(21 * MIB);

      assertThatThrownBy(() -> await(target(context).deliver(job("job-r", big), (d, t) -> { })))
          .isInstanceOf(Exception.class);
      List<Path> states = stateFiles(context);
      assertThat(states).hasSize(1);
      JsonObject state = new JsonObject(Files.readString(states.get(0)));
      assertThat(state.getLong("size")).isEqualTo(big.size());
      assertThat(state.getString("sha256")).isEqualTo(big.sha256());
      assertThat(state.getLong("partSize")).isEqualTo(5 * MIB);
      String key = "simpletuner/job-r/model.safetensors";
      int partsThere = store.parts(bucket, key, state.getString("uploadId")).size();
      assertThat(partsThere).as("some parts got through before the cut").isBetween(1, 7);
      assertThat(store.exists(bucket, key)).isFalse();

      // A restart: the network is back and a brand-new target (same data dir) picks the upload up.
      net.heal();
      net.resetCounters();
      AtomicLong reported = new AtomicLong();
      DeliveryResult result = await(target(context).deliver(job("job-r", big), (d, t) -> reported.set(d)));

      long missing = big.size() - partsThere * 5 * MIB;
      assertThat(net.upstreamBytes()).as("only the missing parts are sent again")
          .isGreaterThanOrEqualTo(missing).isLessThan(missing + 256 * 1024);
      assertThat(reported.get()).isEqualTo(big.size());
      assertThat(result.bytes()).isEqualTo(big.size());
      assertThat(store.sha256(bucket, key)).isEqualTo(big.sha256());
      assertThat(store.head(bucket, key).eTag()).endsWith("-8\"");
      assertThat(stateFiles(context)).isEmpty();
    } finally {
      await(net.close());
    }
  }

  @Test
  void aConnectionCutMidUploadIsRetriedWithinOneDelivery() throws Exception {
    OutputFile big = file("model.bin", 12 * MIB, 61);
    FaultInjectingProxy net = await(FaultInjectingProxy.start(vertx, "127.0.0.1", s3.port()));
    try {
      TestContext context = context(net.endpoint()).set("multipart_threshold_mb", "6").set("part_size_mb", "5")
          .set("parallel_parts", "1");
      net.cutOnceAfter(7 * MIB);

      await(target(context).deliver(job("job-b", big), (d, t) -> { }));

      assertThat(net.isBroken()).isFalse();
      assertThat(net.upstreamBytes()).as("the cut part was sent again").isGreaterThan(big.size() + MIB);
      assertThat(store.sha256(bucket, "simpletuner/job-b/model.bin")).isEqualTo(big.sha256());
    } finally {
      await(net.close());
    }
  }

  @Test
  void uploadTheStoreForgotStartsOver() throws Exception {
    OutputFile big = file("model.bin", 12 * MIB, 21);
    FaultInjectingProxy net = await(FaultInjectingProxy.start(vertx, "127.0.0.1", s3.port()));
    try {
      TestContext context = context(net.endpoint()).set("multipart_threshold_mb", "6").set("part_size_mb", "5")
          .set("parallel_parts", "1");
      net.cutAfter(7 * MIB);
      assertThatThrownBy(() -> await(target(context).deliver(job("job-f", big), (d, t) -> { })));
      String uploadId = new JsonObject(Files.readString(stateFiles(context).get(0))).getString("uploadId");
      String key = "simpletuner/job-f/model.bin";
      store.sdk.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));

      net.heal();
      await(target(context).deliver(job("job-f", big), (d, t) -> { }));

      assertThat(store.sha256(bucket, key)).isEqualTo(big.sha256());
      assertThat(stateFiles(context)).isEmpty();
    } finally {
      await(net.close());
    }
  }

  @Test
  void aFileThatChangedAbandonsTheOldUpload() throws Exception {
    Path path = tmp.resolve("files/model.bin");
    OutputFile first = write(path, "model.bin", 12 * MIB, 31);
    FaultInjectingProxy net = await(FaultInjectingProxy.start(vertx, "127.0.0.1", s3.port()));
    try {
      TestContext context = context(net.endpoint()).set("multipart_threshold_mb", "6").set("part_size_mb", "5")
          .set("parallel_parts", "1");
      net.cutAfter(7 * MIB);
      assertThatThrownBy(() -> await(target(context).deliver(job("job-c", first), (d, t) -> { })));
      String oldUpload = new JsonObject(Files.readString(stateFiles(context).get(0))).getString("uploadId");
      String key = "simpletuner/job-c/model.bin";
      assertThat(store.parts(bucket, key, oldUpload)).isNotEmpty();

      OutputFile second = write(path, "model.bin", 12 * MIB, 32);
      net.heal();
      await(target(context).deliver(job("job-c", second), (d, t) -> { }));

      assertThat(store.sha256(bucket, key)).isEqualTo(second.sha256());
      // s3proxy lists an aborted upload as empty (AWS would answer NoSuchUpload).
      assertThat(store.parts(bucket, key, oldUpload)).as("the stale upload was aborted").isEmpty();
    } finally {
      await(net.close());
    }
  }

  @Test
  void redeliverySkipsFilesAlreadyThere() throws Exception {
    OutputFile a = file("a.safetensors", 200_000, 41);
    OutputFile b = file("b.json", 500, 42);
    FaultInjectingProxy net = await(FaultInjectingProxy.start(vertx, "127.0.0.1", s3.port()));
    try {
      TestContext context = context(net.endpoint());
      await(target(context).deliver(job("job-s", a, b), (d, t) -> { }));
      net.resetCounters();
      OutputFile c = file("c.txt", 10_000, 43);

      DeliveryResult again = await(target(context).deliver(job("job-s", a, b, c), (d, t) -> { }));

      assertThat(again.note()).isEqualTo("3 files (0 multipart, 2 already there)");
      assertThat(again.bytes()).isEqualTo(210_500);
      assertThat(net.upstreamBytes()).as("only c.txt and the HEAD requests went out")
          .isGreaterThan(10_000).isLessThan(10_000 + 8_000);
      assertThat(store.sha256(bucket, "simpletuner/job-s/c.txt")).isEqualTo(c.sha256());
    } finally {
      await(net.close());
    }
  }

  @Test
  void wrongSecretFailsWithTheStoresErrorAndNeverTheSecret() throws Exception {
    String wrong = "wrong-secret-value-XYZ";
    TestContext context = context(s3.endpoint()).set("secret_key", wrong);

    assertThatThrownBy(() -> await(target(context).deliver(job("job-x", file("a.bin", 1000, 51)), (d, t) -> { })))
        .hasMessageContaining("SignatureDoesNotMatch")
        .hasMessageNotContaining(wrong)
        .hasMessageNotContaining(s3.secretKey());
  }

  @Test
  void validateWritesAndRemovesAProbe() throws Exception {
    CredentialStatus status = await(target(context(s3.endpoint())).validate());

    assertThat(status.valid()).as(String.valueOf(status.error())).isTrue();
    assertThat(status.username()).isEqualTo(bucket);
    assertThat(store.keys(bucket)).isEmpty();
  }

  @Test
  void validateReportsBadCredentialsAndMissingBuckets() throws Exception {
    CredentialStatus badSecret = await(target(context(s3.endpoint()).set("secret_key", "nope-nope")).validate());
    CredentialStatus badKey = await(target(context(s3.endpoint()).set("access_key", "nobody")).validate());
    CredentialStatus noBucket = await(target(context(s3.endpoint()).set("bucket", "no-such-bucket-here")).validate());

    assertThat(badSecret.valid()).isFalse();
    assertThat(badSecret.error()).startsWith("SignatureDoesNotMatch: ").doesNotContain("nope-nope");
    assertThat(badKey.valid()).isFalse();
    assertThat(badKey.error()).startsWith("InvalidAccessKeyId: ");
    assertThat(noBucket.valid()).isFalse();
    assertThat(noBucket.error()).startsWith("NoSuchBucket: ");
  }

  @Test
  void validateNamesAnUnreachableEndpoint() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    CredentialStatus status = await(target(context("http://127.0.0.1:" + closedPort)).validate());

    assertThat(status.valid()).isFalse();
    assertThat(status.error()).startsWith("Could not reach the S3 endpoint http://127.0.0.1:" + closedPort);
  }

  // --- helpers ---

  private static List<Path> stateFiles(TestContext context) throws IOException {
    Path dir = context.dataDir().resolve("multipart");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json")).toList();
    }
  }

  private DeliveryJob job(String jobId, OutputFile... files) {
    return new DeliveryJob(jobId, null, new JsonObject(), new JsonObject(), List.of(files), "http://localhost/x");
  }

  private OutputFile file(String path, long size, long seed) throws Exception {
    return write(tmp.resolve("files").resolve(path), path, size, seed);
  }

  /** Pseudo-random content (incompressible, reproducible), written in chunks. */
  private static OutputFile write(Path file, String path, long size, long seed) throws Exception {
    Files.createDirectories(file.getParent());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random random = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; ) {
        int n = (int) Math.min(chunk.length, left);
        random.nextBytes(chunk);
        out.write(chunk, 0, n);
        sha.update(chunk, 0, n);
        left -= n;
      }
    }
    return new OutputFile(path, file, size, HexFormat.of().formatHex(sha.digest()));
  }
}
