package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.upload.DatasetScanner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
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
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A job's local datasets served to its cloud trainer as S3 buckets, through the real AWS SDK v2
 * against a real server, used the way SimpleTuner's S3 data backend uses them: whole-bucket paged
 * listings, reads, existence checks, and its cache files written (and deleted) beside the dataset.
 * The plan and the dataloader rewrite are checked on their own first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetBucketsTest {
  private static final int CAPTIONED = 12;
  private static final Instant PORTRAIT_MODIFIED = Instant.parse("2026-01-02T03:04:05Z");
  private TestServer server;
  private Api api;
  private Path config;
  private Path work;
  private Path faces;
  private Path outside;
  private String jobA;
  private String jobB;
  private S3Client s3;
  private String bucket;

  // ---- the plan and the rewrite, no server needed ----

  @Test
  void planGivesEveryLocalDatasetABucketOfItsOwn() {
    JsonArray dataloader = new JsonArray()
        .add(new JsonObject().put("id", "faces").put("type", "local").put("instance_data_dir", "/data/./faces/"))
        .add(new JsonObject().put("id", "remote").put("type", "aws").put("aws_bucket_name", "theirs"))
        .add(new JsonObject().put("id", "embeds").put("dataset_type", "text_embeds").put("cache_dir", "/c/te"))
        .add(new JsonObject().put("id", "styles").put("instance_data_dir", "relative/styles"));
    JsonArray plan = DatasetBuckets.plan("job-1", dataloader);
    assertThat(plan).containsExactly(
        new JsonObject().put("bucket", "ds-job-1-0").put("id", "faces").put("dir", "/data/faces"),
        new JsonObject().put("bucket", "ds-job-1-1").put("id", "styles")
            .put("dir", Path.of("relative/styles").toAbsolutePath().normalize().toString()));
  }

  @Test
  void rewriteTurnsServedEntriesIntoS3BackendsOnThisEndpoint() {
    JsonObject local = new JsonObject().put("id", "faces").put("type", "local").put("instance_data_dir", "/data/faces")
        .put("caption_strategy", "textfile").put("resolution", 1024).put("cache_dir_vae", "/home/u/cache/vae/faces");
    JsonObject relativeCache = new JsonObject().put("id", "styles").put("instance_data_dir", "/data/styles")
        .put("cache_dir_vae", "cache/vae/mine");
    JsonObject remote = new JsonObject().put("id", "remote").put("type", "aws").put("aws_bucket_name", "theirs")
        .put("cache_dir_vae", "/home/u/vae");
    JsonObject embeds = new JsonObject().put("id", "text embeds").put("dataset_type", "text_embeds")
        .put("default", true).put("cache_dir", "/home/u/cache/text");
    JsonArray dataloader = new JsonArray().add(local).add(relativeCache).add(remote).add(embeds);
    JsonArray plan = DatasetBuckets.plan("j", dataloader);
    String endpoint = "https://abc.ngrok.io/api/cloud/storage";

    JsonArray out = DatasetBuckets.rewrite(dataloader, plan, endpoint, "STD-j", "secret");

    assertThat(out.getJsonObject(0)).isEqualTo(new JsonObject().put("id", "faces").put("type", "aws")
        .put("caption_strategy", "textfile").put("resolution", 1024).put("cache_dir_vae", "cache/vae/faces")
        .put("aws_bucket_name", "ds-j-0").put("aws_endpoint_url", endpoint).put("aws_access_key_id", "STD-j")
        .put("aws_secret_access_key", "secret").put("aws_region_name", null).put("aws_data_prefix", ""));
    assertThat(out.getJsonObject(0).containsKey("aws_region_name")).isTrue();
    assertThat(out.getJsonObject(1).getString("type")).isEqualTo("aws");
    assertThat(out.getJsonObject(1).getString("aws_bucket_name")).isEqualTo("ds-j-1");
    assertThat(out.getJsonObject(1).getString("cache_dir_vae")).isEqualTo("cache/vae/mine");
    assertThat(out.getJsonObject(1).containsKey("instance_data_dir")).isFalse();
    assertThat(out.getJsonObject(2)).isEqualTo(remote);
    assertThat(out.getJsonObject(3)).isEqualTo(embeds.copy().put("cache_dir", "cache/text_embeds"));
    // The input is left as it was.
    assertThat(local.getString("instance_data_dir")).isEqualTo("/data/faces");
    assertThatThrownBy(() -> DatasetBuckets.rewrite(dataloader, new JsonArray(), endpoint, "k", "s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- the buckets, through the endpoint ----

  @BeforeAll
  void start() throws IOException {
    work = Files.createTempDirectory("st-datasets");
    faces = work.resolve("faces");
    outside = work.resolve("outside");
    buildDataset();
    config = work.resolve("config.yaml");
    Files.writeString(config, "storage:\n  grace_seconds: 2\n  dataset_scratch_mb: 1\n");
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    api = server.api();
    jobA = servedJob();
    jobB = servedJob();
    bucket = "ds-" + jobA + "-0";
    s3 = client(JobTokens.datasetAccessKey(jobA), tokens().datasetSecret(jobA));
  }

  @AfterAll
  void stop() {
    s3.close();
    api.postEmpty("/api/cloud/jobs/" + jobA + "/cancel");
    api.postEmpty("/api/cloud/jobs/" + jobB + "/cancel");
    server.close();
    TestServer.deleteTree(work);
  }

  /**
   * Captioned images, a nested folder, a link within the dataset; and what must never be served:
   * hidden files and folders, secrets, a link to a file outside and a link to a folder outside.
   */
  private void buildDataset() throws IOException {
    Files.createDirectories(faces.resolve("sub/deeper"));
    for (int i = 0; i < CAPTIONED; i++) {
      Files.writeString(faces.resolve(String.format("img_%02d.png", i)), "png-" + i);
      Files.writeString(faces.resolve(String.format("img_%02d.txt", i)), "a photo of face " + i);
    }
    Files.writeString(faces.resolve("sub/deeper/portrait.jpg"), "0123456789abcdef");
    Files.setLastModifiedTime(faces.resolve("sub/deeper/portrait.jpg"), FileTime.from(PORTRAIT_MODIFIED));
    Files.createSymbolicLink(faces.resolve("inside_link.png"), faces.resolve("img_00.png"));
    Files.writeString(faces.resolve(".hidden.png"), "hidden");
    Files.createDirectories(faces.resolve(".cache"));
    Files.writeString(faces.resolve(".cache/vae.pt"), "hidden folder");
    Files.createDirectories(faces.resolve("sub/.git"));
    Files.writeString(faces.resolve("sub/.git/config"), "hidden folder below");
    for (String secret : List.of("secret.pem", ".env", "credentials", "id_rsa")) {
      Files.writeString(faces.resolve(secret), "secret");
    }
    Files.createDirectories(outside);
    Files.writeString(outside.resolve("private.png"), "not part of the dataset");
    Files.createSymbolicLink(faces.resolve("outside.png"), outside.resolve("private.png"));
    Files.createSymbolicLink(faces.resolve("linkdir"), outside);
  }

  private static final List<String> VISIBLE = visible();

  private static List<String> visible() {
    TreeSet<String> keys = new TreeSet<>();
    for (int i = 0; i < CAPTIONED; i++) {
      keys.add(String.format("img_%02d.png", i));
      keys.add(String.format("img_%02d.txt", i));
    }
    keys.add("sub/deeper/portrait.jpg");
    keys.add("inside_link.png");
    return List.copyOf(keys);
  }

  private JsonArray dataloader() {
    return new JsonArray()
        .add(new JsonObject().put("id", "faces").put("type", "local").put("instance_data_dir", faces.toString()))
        .add(new JsonObject().put("id", "gone").put("type", "local")
            .put("instance_data_dir", work.resolve("vanished").toString()));
  }

  /** A running job (the local provider, sleeping) whose metadata serves {@link #dataloader()}. */
  private String servedJob() {
    return servedJob(dataloader());
  }

  private String servedJob(JsonArray dataloader) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    String jobId = r.json().getString("job_id");
    if (jobA == null) {
      // The first one takes the local provider's only slot (the rest wait behind it, untouched):
      // its datasets are planned once it started, or its start would check them against a plan of
      // local datasets it was never given.
      api.waitForStatus(jobId, "running");
    }
    ServerContext ctx = server.server().context();
    Job job = ctx.store().jobs().get(jobId).await().orElseThrow();
    JsonObject metadata = job.metadata().copy().put(DatasetBuckets.METADATA_KEY, DatasetBuckets.plan(jobId,
        dataloader));
    assertThat(ctx.store().jobs().update(jobId, null, JobUpdate.create().metadata(metadata), ctx.now()).await())
        .isPresent();
    return jobId;
  }

  private JobTokens tokens() {
    return server.server().context().tokens();
  }

  private S3Client client(String accessKey, String secretKey) {
    return S3Client.builder().endpointOverride(URI.create(api.base() + "/api/cloud/storage")).region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .build();
  }

  private Path scratch(String jobId, int n) {
    return server.stateDir().resolve("cloud/dataset_scratch").resolve(jobId).resolve(String.valueOf(n));
  }

  private List<String> listAll(S3Client client, String name, int pageSize) {
    List<String> keys = new ArrayList<>();
    client.listObjectsV2Paginator(b -> b.bucket(name).maxKeys(pageSize)).contents()
        .forEach(o -> keys.add(o.key()));
    return keys;
  }

  @Test
  void pagedListingShowsExactlyWhatPackagingWouldTake() {
    List<ListObjectsV2Response> pages = s3.listObjectsV2Paginator(b -> b.bucket(bucket).maxKeys(10)).stream().toList();
    assertThat(pages).hasSize(3);
    assertThat(pages.get(0).isTruncated()).isTrue();
    assertThat(pages.get(0).keyCount()).isEqualTo(10);
    assertThat(pages.get(2).isTruncated()).isFalse();
    List<String> keys = pages.stream().flatMap(p -> p.contents().stream()).map(S3Object::key).toList();
    assertThat(keys).containsExactlyElementsOf(VISIBLE);

    // The same rules as the archive a provider would be sent.
    List<String> packaged = DatasetScanner.scan(new JsonArray().add(dataloader().getJsonObject(0)), 0).entries()
        .stream().map(e -> e.name().substring("faces/".length())).sorted().toList();
    assertThat(keys).containsExactlyElementsOf(packaged);

    // Everything at once, as SimpleTuner pages, and the folders with a delimiter (ListObjects v1 too).
    assertThat(listAll(s3, bucket, 1000)).containsExactlyElementsOf(VISIBLE);
    var top = s3.listObjects(b -> b.bucket(bucket).delimiter("/"));
    assertThat(top.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("sub/");
    assertThat(top.contents()).hasSize(VISIBLE.size() - 1);
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("sub/")).contents()).extracting(S3Object::key)
        .containsExactly("sub/deeper/portrait.jpg");
  }

  /** One walk of the folder serves all pages of a listing; a write through the bucket is seen at once. */
  @Test
  void aPagedListingWalksTheFolderOnce() throws IOException {
    Path many = work.resolve("many");
    Files.createDirectories(many);
    for (int i = 0; i < 30; i++) {
      Files.writeString(many.resolve(String.format("%02d.png", i)), "png");
    }
    String job = servedJob(new JsonArray().add(new JsonObject().put("id", "many")
        .put("instance_data_dir", many.toString())));
    String name = "ds-" + job + "-0";
    try (S3Client mine = client(JobTokens.datasetAccessKey(job), tokens().datasetSecret(job))) {
      ListObjectsV2Response first = mine.listObjectsV2(b -> b.bucket(name).maxKeys(10));
      Files.writeString(many.resolve("99.png"), "added behind the server's back");
      ListObjectsV2Response second = mine.listObjectsV2(b -> b.bucket(name).maxKeys(10)
          .continuationToken(first.nextContinuationToken()));
      ListObjectsV2Response third = mine.listObjectsV2(b -> b.bucket(name).maxKeys(10)
          .continuationToken(second.nextContinuationToken()));
      assertThat(third.isTruncated()).isFalse();
      assertThat(Stream.of(first, second, third).flatMap(p -> p.contents().stream()).map(S3Object::key))
          .hasSize(30).doesNotContain("99.png");

      mine.putObject(b -> b.bucket(name).key("metadata.json"), RequestBody.fromString("{}"));
      assertThat(listAll(mine, name, 1000)).hasSize(32).contains("99.png", "metadata.json");
    } finally {
      api.postEmpty("/api/cloud/jobs/" + job + "/cancel");
    }
  }

  @Test
  void hiddenSecretAndOutsideFilesCannotBeRead() {
    for (String key : List.of(".hidden.png", ".cache/vae.pt", "sub/.git/config", "secret.pem", ".env", "credentials",
        "id_rsa", "outside.png", "linkdir/private.png", "linkdir", "sub", "sub/deeper")) {
      assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)))).as(key).isEqualTo("NoSuchKey");
      assertThat(status(() -> s3.headObject(b -> b.bucket(bucket).key(key)))).as(key).isEqualTo(404);
    }
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("../outside/private.png"))))
        .isEqualTo("AccessDenied");
  }

  @Test
  void readsWholeAndRangedWithStableTags() {
    String key = "sub/deeper/portrait.jpg";

    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String()).isEqualTo("0123456789abcdef");
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range("bytes=2-5")).asUtf8String())
        .isEqualTo("2345");
    HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
    assertThat(head.contentLength()).isEqualTo(16);
    assertThat(head.lastModified()).isEqualTo(PORTRAIT_MODIFIED);
    assertThat(head.eTag()).matches("\"[0-9a-f]{32}\"");
    assertThat(s3.headObject(b -> b.bucket(bucket).key(key)).eTag()).isEqualTo(head.eTag());
    S3Object listed = s3.listObjectsV2(b -> b.bucket(bucket).prefix(key)).contents().get(0);
    assertThat(listed.eTag()).isEqualTo(head.eTag());
    assertThat(listed.size()).isEqualTo(16);
    // The link inside the dataset reads as its target.
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("inside_link.png")).asUtf8String()).isEqualTo("png-0");

    assertThat(status(() -> s3.headObject(b -> b.bucket(bucket).key("aspect_ratio_bucket_indices.json"))))
        .isEqualTo(404);
    s3.headBucket(b -> b.bucket(bucket));
    s3.getBucketLocation(b -> b.bucket(bucket));
  }

  @Test
  void theTrainersWritesLandInScratchAndOverTheDataset() throws IOException {
    String key = "aspect_ratio_bucket_indices_faces.json";
    assertThat(listAll(s3, bucket, 1000)).doesNotContain(key); // the listing is cached now
    byte[] body = "{\"1.0\": [\"img_00.png\"]}".getBytes(StandardCharsets.UTF_8);
    String etag = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body)).eTag();
    assertThat(etag).isEqualTo("\"" + md5(body) + "\"");

    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).isEqualTo(body);
    assertThat(listAll(s3, bucket, 1000)).contains(key).containsAll(VISIBLE);
    assertThat(scratch(jobA, 0).resolve(key)).hasBinaryContent(body);
    assertThat(faces.resolve(key)).doesNotExist();

    // A write over one of the dataset's own files shadows it; deleting it brings the original back.
    String caption = "img_03.txt";
    s3.putObject(b -> b.bucket(bucket).key(caption), RequestBody.fromString("rewritten"));
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(caption)).asUtf8String()).isEqualTo("rewritten");
    assertThat(faces.resolve(caption)).hasContent("a photo of face 3");
    s3.deleteObject(b -> b.bucket(bucket).key(caption));
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(caption)).asUtf8String())
        .isEqualTo("a photo of face 3");

    s3.deleteObject(b -> b.bucket(bucket).key(key));
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)))).isEqualTo("NoSuchKey");
    assertThat(listAll(s3, bucket, 1000)).containsExactlyElementsOf(VISIBLE);
    assertThat(scratch(jobA, 0).resolve(key)).doesNotExist();
    // Deleting what is not there is no error (as S3).
    s3.deleteObject(b -> b.bucket(bucket).key("never-written.json"));
  }

  @Test
  void theDatasetsOwnFilesCannotBeDeleted() {
    assertThat(code(() -> s3.deleteObject(b -> b.bucket(bucket).key("img_05.png")))).isEqualTo("AccessDenied");
    assertThat(faces.resolve("img_05.png")).hasContent("png-5");
    assertThat(listAll(s3, bucket, 1000)).contains("img_05.png");
  }

  @Test
  void scratchWritesStayWithinTheJobsAllowance() throws IOException {
    String job = servedJob();
    String name = "ds-" + job + "-0";
    try (S3Client mine = client(JobTokens.datasetAccessKey(job), tokens().datasetSecret(job))) {
      mine.putObject(b -> b.bucket(name).key("cache/vae/a.pt"), RequestBody.fromBytes(new byte[700_000]));
      S3Exception refused = exception(() -> mine.putObject(b -> b.bucket(name).key("cache/vae/b.pt"),
          RequestBody.fromBytes(new byte[700_000])));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("EntityTooLarge");
      assertThat(refused.awsErrorDetails().errorMessage()).contains("storage.dataset_scratch_mb");
      assertThat(scratch(job, 0).resolve("cache/vae/b.pt")).doesNotExist();
      assertThat(incoming()).isEmpty();
      // Replacing an object counts only the new size; the other dataset shares the allowance.
      mine.putObject(b -> b.bucket(name).key("cache/vae/a.pt"), RequestBody.fromBytes(new byte[900_000]));
      assertThat(code(() -> mine.putObject(b -> b.bucket("ds-" + job + "-1").key("x.pt"),
          RequestBody.fromBytes(new byte[200_000])))).isEqualTo("EntityTooLarge");
      mine.deleteObject(b -> b.bucket(name).key("cache/vae/a.pt"));
      mine.putObject(b -> b.bucket(name).key("cache/vae/b.pt"), RequestBody.fromBytes(new byte[700_000]));
      assertThat(scratch(job, 0).resolve("cache/vae/b.pt")).exists();
    }
    DatasetBuckets.deleteScratch(server.server().vertx(), server.server().context().config(), job).await();
    assertThat(scratch(job, 0).getParent()).doesNotExist();
    api.postEmpty("/api/cloud/jobs/" + job + "/cancel");
  }

  private List<Path> incoming() throws IOException {
    Path dir = server.stateDir().resolve("cloud/dataset_scratch/.incoming");
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.collect(Collectors.toList());
    }
  }

  @Test
  void aVanishedFolderIsAnEmptyBucket() {
    String gone = "ds-" + jobA + "-1";
    s3.headBucket(b -> b.bucket(gone));
    assertThat(s3.listObjectsV2(b -> b.bucket(gone)).contents()).isEmpty();
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket(gone).key("img_00.png")))).isEqualTo("NoSuchKey");
  }

  @Test
  void eachKindOfCredentialsReachesOnlyItsOwnBuckets() {
    try (S3Client outputs = client(JobTokens.storageAccessKey(jobA), tokens().storageSecret(jobA))) {
      assertThat(code(() -> outputs.listObjectsV2(b -> b.bucket(bucket)))).isEqualTo("AccessDenied");
      assertThat(code(() -> outputs.getObjectAsBytes(b -> b.bucket(bucket).key("img_00.png"))))
          .isEqualTo("AccessDenied");
      // Output secrets do not sign for the dataset key id, nor the other way round.
      try (S3Client mixed = client(JobTokens.datasetAccessKey(jobA), tokens().storageSecret(jobA))) {
        assertThat(code(() -> mixed.listObjectsV2(b -> b.bucket(bucket)))).isEqualTo("SignatureDoesNotMatch");
      }
    }
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(jobA + "/model.safetensors"),
        RequestBody.fromString("x")))).isEqualTo("AccessDenied");
    assertThat(server.stateDir().resolve("cloud_outputs/outputs/" + jobA + "/model.safetensors")).doesNotExist();
    assertThat(code(() -> s3.listObjectsV2(b -> b.bucket("outputs").prefix(jobA + "/")))).isEqualTo("AccessDenied");

    assertThat(code(() -> s3.listObjectsV2(b -> b.bucket("ds-" + jobB + "-0")))).isEqualTo("AccessDenied");
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("ds-" + jobB + "-0").key("img_00.png"))))
        .isEqualTo("AccessDenied");
    assertThat(code(() -> s3.putObject(b -> b.bucket("ds-" + jobB + "-0").key("x.json"), RequestBody.fromString("x"))))
        .isEqualTo("AccessDenied");
    assertThat(scratch(jobB, 0).resolve("x.json")).doesNotExist();
    assertThat(code(() -> s3.listObjectsV2(b -> b.bucket("ds-" + jobA + "-7")))).isEqualTo("NoSuchBucket");
    assertThat(code(() -> s3.listObjectsV2(b -> b.bucket("somewhere-else")))).isEqualTo("AccessDenied");

    assertThat(code(() -> s3.createMultipartUpload(b -> b.bucket(bucket).key("big.pt")))).isEqualTo("NotImplemented");
  }

  @Test
  void credentialsOutliveTheJobByTheGracePeriodOnly() {
    String job = servedJob();
    String name = "ds-" + job + "-0";
    try (S3Client mine = client(JobTokens.datasetAccessKey(job), tokens().datasetSecret(job))) {
      assertThat(mine.listObjectsV2(b -> b.bucket(name)).contents()).hasSize(VISIBLE.size());
      assertThat(api.postEmpty("/api/cloud/jobs/" + job + "/cancel").status()).isEqualTo(200);
      api.waitFor(job, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
      assertThat(mine.getObjectAsBytes(b -> b.bucket(name).key("img_01.png")).asUtf8String()).isEqualTo("png-1");
      Api.sleep(2_500);
      assertThat(code(() -> mine.listObjectsV2(b -> b.bucket(name)))).isEqualTo("AccessDenied");
      assertThat(code(() -> mine.getObjectAsBytes(b -> b.bucket(name).key("img_01.png")))).isEqualTo("AccessDenied");
    }
  }

  private static S3Exception exception(Runnable call) {
    try {
      call.run();
    } catch (S3Exception e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static String code(Runnable call) {
    return exception(call).awsErrorDetails().errorCode();
  }

  private static int status(Runnable call) {
    return exception(call).statusCode();
  }

  private static String md5(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
