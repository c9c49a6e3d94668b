package dev.simpletuner.cloud.server.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.store.OutputStore;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A purge run on a running server: old finished jobs go with their files on disk (received files,
 * multipart parts, validation images) in several batches, recent and running ones stay, and the
 * API no longer serves the purged ones.
 */
class RetentionPurgeTest {
  private static final long DAY = 24L * 3600 * 1000;
  private TestServer server;
  private Path config;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    Files.deleteIfExists(config);
  }

  private String job(ServerContext ctx, long endedAt, boolean finished) throws Exception {
    String id = UUID.randomUUID().toString();
    ctx.store().jobs().submit(Job.submitted(id, "local", JobType.LOCAL, "local", JobStatus.RUNNING, "cfg", "run", null,
        null, 0.0, 0.0, endedAt - 1000, new JsonObject(), new JsonArray(), new JsonObject(), null, null), null, null)
        .await();
    ctx.store().outputs().put(new OutputStore.Output("outputs", id + "/model.safetensors", id, 7, "e", "s", null, null,
        endedAt)).await();
    ctx.store().outputs().createUpload(new OutputStore.Upload("up" + id.replace("-", ""), id, "outputs",
        id + "/big.bin", null, null, endedAt, null, null)).await();
    Path received = ctx.config().outputsDir().resolve("outputs").resolve(id).resolve("model.safetensors");
    Files.createDirectories(received.getParent());
    Files.writeString(received, "weights");
    // A key a file cannot hold (a folder marker) keeps its file in .objects/.
    ctx.store().outputs().put(new OutputStore.Output("outputs", id + "/ckpt/", id, 0, "e", "s", null, null, endedAt,
        ".objects/" + id, null)).await();
    Files.createDirectories(ctx.config().outputsDir().resolve(".objects"));
    Files.writeString(ctx.config().outputsDir().resolve(".objects").resolve(id), "");
    Path part = ctx.config().outputsDir().resolve(".multipart").resolve("up" + id.replace("-", "")).resolve("1");
    Files.createDirectories(part.getParent());
    Files.writeString(part, "part");
    Path image = ctx.config().cloudDir().resolve("artifacts").resolve(id).resolve("art_x.png");
    Files.createDirectories(image.getParent());
    Files.writeString(image, "png");
    if (finished) {
      ctx.store().jobs().update(id, JobStatus.ACTIVE, JobUpdate.create().status(JobStatus.FAILED).completedAt(endedAt),
          endedAt).await().orElseThrow();
    }
    return id;
  }

  private List<Path> filesOf(ServerContext ctx, String id) {
    return List.of(ctx.config().outputsDir().resolve("outputs").resolve(id),
        ctx.config().outputsDir().resolve(".multipart").resolve("up" + id.replace("-", "")),
        ctx.config().cloudDir().resolve("artifacts").resolve(id),
        ctx.config().outputsDir().resolve(".objects").resolve(id));
  }

  /** A server with these {@code retention:} settings (YAML lines below it). */
  private ServerContext start(Backend backend, String retention) throws Exception {
    config = Files.createTempFile("st-retention", ".yaml");
    Files.writeString(config, "retention:\n  " + retention + "\n");
    server = TestServer.start(backend, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    return server.server().context();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void oldFinishedJobsGoWithTheirFilesInBatches(Backend backend) throws Exception {
    ServerContext ctx = start(backend, "job_days: 30\n  audit_days: 30\n  batch_size: 2");
    Api api = server.api();
    long now = ctx.now();
    List<String> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      old.add(job(ctx, now - (40 + i) * DAY, true));
    }
    String recent = job(ctx, now - 2 * DAY, true);
    String running = job(ctx, now - 90 * DAY, false);
    assertThat(api.get("/api/cloud/jobs/" + old.get(0)).status()).isEqualTo(200);

    RetentionPurge.Report report = new RetentionPurge(server.server().vertx(), ctx).run().await();

    assertThat(report.jobs()).as("five old finished jobs, in three batches of two").isEqualTo(5);
    for (String id : old) {
      assertThat(api.get("/api/cloud/jobs/" + id).status()).isEqualTo(404);
      assertThat(filesOf(ctx, id)).allSatisfy(p -> assertThat(p).doesNotExist());
    }
    for (String id : List.of(recent, running)) {
      assertThat(api.get("/api/cloud/jobs/" + id).status()).isEqualTo(200);
      assertThat(filesOf(ctx, id)).allSatisfy(p -> assertThat(p).exists());
    }
    JsonObject verified = api.get("/api/audit/verify").json();
    assertThat(verified.getBoolean("valid")).as(verified.encode()).isTrue();
    assertThat(new RetentionPurge(server.server().vertx(), ctx).run().await().jobs()).as("nothing left").isZero();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void completedUploadsGoAfterIdempotencyHoursWhileTheirJobStays(Backend backend) throws Exception {
    ServerContext ctx = start(backend, "idempotency_hours: 24\n  batch_size: 2");
    long now = ctx.now();
    String running = job(ctx, now, false);
    OutputStore outputs = ctx.store().outputs();
    List<String> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = "old" + i;
      outputs.createUpload(new OutputStore.Upload(id, running, "outputs", running + "/m" + i, null, null, now - 3 * DAY,
          null, null)).await();
      outputs.completeUpload(id, "etag", now - 2 * DAY - i).await();
      old.add(id);
    }
    // A part folder the completion's asynchronous clean-up did not get to (a crash).
    Path leftover = ctx.config().outputsDir().resolve(".multipart").resolve("old0").resolve("1");
    Files.createDirectories(leftover.getParent());
    Files.writeString(leftover, "part");
    outputs.createUpload(new OutputStore.Upload("fresh", running, "outputs", running + "/f", null, null, now, null, null))
        .await();
    outputs.completeUpload("fresh", "etag", now - 3600_000).await();

    RetentionPurge.Report report = new RetentionPurge(server.server().vertx(), ctx).run().await();

    assertThat(report.completedUploads()).as("five old completed uploads, in three batches of two").isEqualTo(5);
    assertThat(report.jobs()).isZero();
    for (String id : old) {
      assertThat(outputs.upload(id).await()).isEmpty();
    }
    assertThat(leftover.getParent()).doesNotExist();
    assertThat(outputs.upload("fresh").await()).as("a retried complete within the hours is still answered")
        .isPresent();
    assertThat(outputs.upload("up" + running.replace("-", "")).await()).as("in progress").isPresent();
    assertThat(filesOf(ctx, running)).allSatisfy(p -> assertThat(p).exists());
    assertThat(new RetentionPurge(server.server().vertx(), ctx).run().await().completedUploads()).isZero();
  }
}
