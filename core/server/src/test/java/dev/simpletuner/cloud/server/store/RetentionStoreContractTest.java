package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.auth.AuditLog;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Retention's store operations, on both backends: what goes, what stays, and the audit anchor. */
class RetentionStoreContractTest {
  private Vertx vertx;
  private Store store;
  private Backend backend;
  private String url;
  private Path dir;

  private Store open(Backend b) throws Exception {
    backend = b;
    vertx = Vertx.vertx();
    url = b.newDatabase();
    dir = Files.createTempDirectory("st-retention-");
    store = Store.open(vertx, url, dir.resolve("jobs.db")).await();
    return store;
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close().await();
    }
    vertx.close().await();
    backend.dropDatabase(url);
    TestServer.deleteTree(dir);
  }

  /** A job that ended at {@code completedAt} (null: still running), with something in every job table. */
  private String jobWithEverything(String owner, Long completedAt) {
    String id = UUID.randomUUID().toString();
    Job job = Job.submitted(id, owner, JobType.LOCAL, "local", JobStatus.RUNNING, "cfg", "run", null, null, 0.001,
        0.0, 1_000, new JsonObject(), new JsonArray(), new JsonObject(), null, null);
    store.jobs().submit(job, "key-" + id, "hash").await();
    store.logs().append(id, 1, List.of("one", "two"), 1_100).await();
    store.events().add(id, "status", new JsonObject().put("status", "running"), 1_100).await();
    store.metrics().record(id, 1, 0.5, 1e-4, 1_100).await();
    store.outputs().put(new OutputStore.Output("outputs", id + "/model.safetensors", id, 10, "e", "s", null, null,
        1_200)).await();
    store.outputs().createUpload(new OutputStore.Upload("up-" + id, id, "outputs", id + "/big.bin", null, null, 1_200, null, null))
        .await();
    store.outputs().putPart("up-" + id, new OutputStore.Part(1, 7, "p", 1_200)).await();
    store.artifacts().add(new ArtifactStore.Artifact("art-" + id, id, "validation", 1L, "l", "p", "image/png", 5, "s",
        1_300)).await();
    if (completedAt != null) {
      store.jobs().update(id, JobStatus.ACTIVE, JobUpdate.create().status(JobStatus.COMPLETED)
          .completedAt(completedAt), completedAt).await().orElseThrow();
    }
    return id;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void finishedJobsPastTheCutoffGoWithEverythingRecordedAboutThem(Backend b) throws Exception {
    RetentionStore retention = open(b).retention();
    String old1 = jobWithEverything("alice", 5_000L);
    String old2 = jobWithEverything("alice", 6_000L);
    String old3 = jobWithEverything("bob", 7_000L);
    String recent = jobWithEverything("bob", 50_000L);
    String running = jobWithEverything("bob", null);
    store.jobs().get(old1).await().orElseThrow(); // cached: the purge must not leave it readable
    // A job back in the queue after its worker was lost keeps its old end time: it is scanned, never purged.
    String requeued = jobWithEverything("carol", null);
    store.jobs().update(requeued, JobStatus.ACTIVE, JobUpdate.create().completedAt(4_000L), 4_000).await()
        .orElseThrow();

    RetentionStore.Batch first = retention.endedBefore(10_000, Long.MIN_VALUE, 3).await();
    assertThat(first.finished()).as("oldest first, one batch").containsExactly(old1, old2);
    assertThat(first.scanned()).as("the requeued job is scanned").isEqualTo(3);
    assertThat(first.lastCompletedAt()).isEqualTo(6_000);
    assertThat(retention.endedBefore(10_000, 6_000, 10).await().finished()).as("from where the last batch ended")
        .containsExactly(old2, old3);
    assertThat(retention.endedBefore(10_000, Long.MIN_VALUE, 10).await().finished())
        .containsExactly(old1, old2, old3);
    assertThat(store.outputs().receivedBytes(old1).await()).as("objects and parts").isEqualTo(17);
    assertThat(retention.uploadIds(List.of(old1, old2)).await()).containsExactlyInAnyOrder("up-" + old1, "up-" + old2);

    assertThat(retention.purgeJobs(List.of(old1, old2, running)).await()).as("a running job is never purged")
        .isEqualTo(2);
    assertThat(retention.purgeJobs(List.of(old3)).await()).isEqualTo(1);
    assertThat(retention.purgeJobs(List.of(old3)).await()).as("again: nothing left").isZero();
    assertThat(retention.endedBefore(10_000, Long.MIN_VALUE, 10).await().scanned()).as("only the requeued job")
        .isEqualTo(1);
    assertThat(retention.purgeJobs(List.of(requeued)).await()).as("an active job is never purged").isZero();
    assertThat(store.jobs().get(requeued).await()).isPresent();

    for (String gone : List.of(old1, old2, old3)) {
      assertThat(store.jobs().get(gone).await()).isEmpty();
      assertThat(store.logs().tail(gone, 10).await()).isEmpty();
      assertThat(store.events().list(gone, 0, 10).await()).isEmpty();
      assertThat(store.metrics().series(gone).await()).isEmpty();
      assertThat(store.outputs().list(gone).await()).isEmpty();
      assertThat(store.outputs().uploads(gone).await()).isEmpty();
      assertThat(store.outputs().parts("up-" + gone).await()).isEmpty();
      assertThat(store.outputs().receivedBytes(gone).await()).isZero();
      assertThat(store.artifacts().list(gone).await()).isEmpty();
    }
    for (String kept : List.of(recent, running, requeued)) {
      assertThat(store.jobs().get(kept).await()).isPresent();
      assertThat(store.logs().tail(kept, 10).await()).hasSize(2);
      assertThat(store.events().list(kept, 0, 10).await()).isNotEmpty();
      assertThat(store.outputs().receivedBytes(kept).await()).isEqualTo(17);
      assertThat(store.artifacts().list(kept).await()).hasSize(1);
    }
    assertThat(store.jobs().idempotentJob("bob", "key-" + recent, "hash", 1_000).await()).isPresent();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void idempotencyKeysArePurgedInBatchesByAge(Backend b) throws Exception {
    open(b);
    String a = jobWithEverything("alice", null); // keys made at created_at 1,000
    String c = jobWithEverything("carol", null);
    assertThat(store.jobs().purgeIdempotencyKeys(1_500, 1_000, 10).await()).as("not old enough").isZero();
    assertThat(store.jobs().purgeIdempotencyKeys(2_500, 1_000, 1).await()).as("one batch").isEqualTo(1);
    assertThat(store.jobs().purgeIdempotencyKeys(2_500, 1_000, 10).await()).isEqualTo(1);
    assertThat(store.jobs().idempotentJob("alice", "key-" + a, "hash", 1_000).await()).isEmpty();
    assertThat(store.jobs().idempotentJob("carol", "key-" + c, "hash", 1_000).await()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void completedUploadsArePurgedInBatchesByCompletionTimeWhileTheirJobLives(Backend b) throws Exception {
    open(b);
    String job = jobWithEverything("alice", null); // "up-<job>" stays in progress with a part
    OutputStore outputs = store.outputs();
    for (int i = 1; i <= 3; i++) {
      outputs.createUpload(new OutputStore.Upload("done-" + i, job, "outputs", job + "/m" + i, null, null, 1_000, null,
          null)).await();
      outputs.putPart("done-" + i, new OutputStore.Part(1, 5, "p", 1_100)).await();
      outputs.completeUpload("done-" + i, "etag-" + i, i * 10_000L).await();
    }
    assertThat(outputs.upload("done-1").await()).hasValueSatisfying(u -> assertThat(u.completedEtag())
        .isEqualTo("etag-1"));
    RetentionStore retention = store.retention();
    assertThat(retention.completedUploadsBefore(10_000, 10).await()).as("not old enough").isEmpty();
    List<String> first = retention.completedUploadsBefore(25_000, 1).await();
    assertThat(first).as("oldest first, one batch").containsExactly("done-1");
    assertThat(retention.purgeCompletedUploads(List.of("done-1", "up-" + job)).await())
        .as("an upload in progress is never purged").isEqualTo(1);
    assertThat(retention.completedUploadsBefore(25_000, 10).await()).containsExactly("done-2");
    assertThat(retention.purgeCompletedUploads(List.of("done-2")).await()).isEqualTo(1);
    assertThat(retention.purgeCompletedUploads(List.of("done-2")).await()).as("again: nothing left").isZero();

    assertThat(outputs.upload("done-1").await()).isEmpty();
    assertThat(outputs.upload("done-2").await()).isEmpty();
    assertThat(outputs.upload("done-3").await()).as("completed after the cutoff").isPresent();
    assertThat(outputs.upload("up-" + job).await()).isPresent();
    assertThat(outputs.parts("up-" + job).await()).hasSize(1);
    assertThat(store.jobs().get(job).await()).isPresent();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theAuditChainStaysVerifiableAcrossWhatWasPurged(Backend b) throws Exception {
    open(b);
    AuditLog log = new AuditLog(store.audit(), "test-key-0123456789".getBytes(StandardCharsets.UTF_8));
    for (int i = 1; i <= 10; i++) {
      log.record(null, "test.event", "job", "j" + i, "success", new JsonObject().put("n", i), "127.0.0.1", i * 1_000L)
          .await();
    }
    RetentionStore retention = store.retention();
    assertThat(retention.purgeAudit(6_000, 3, 20_000).await()).as("a batch of the oldest").isEqualTo(3);
    assertThat(retention.purgeAudit(6_000, 3, 20_000).await()).as("stops at the first younger entry").isEqualTo(2);
    assertThat(retention.purgeAudit(6_000, 3, 20_000).await()).isZero();

    assertThat(store.audit().anchor().await()).hasValueSatisfying(anchor -> {
      assertThat(anchor.lastId()).isEqualTo(5);
      assertThat(anchor.purged()).isEqualTo(5);
    });
    JsonObject verified = log.verify().await();
    assertThat(verified.getBoolean("valid")).as(verified.encode()).isTrue();
    assertThat(verified.getLong("entries_checked")).isEqualTo(5);
    assertThat(verified.getLong("first_id")).isEqualTo(6);
    assertThat(verified.getLong("purged_entries")).isEqualTo(5);
    assertThat(verified.getLong("anchor_id")).isEqualTo(5);
    assertThat(log.verify(3L, null).await().getLong("entries_checked")).as("a start before the anchor: from it")
        .isEqualTo(5);

    log.record(null, "test.event", "job", "j11", "success", new JsonObject(), "127.0.0.1", 11_000L).await();
    assertThat(log.verify().await().getBoolean("valid")).as("appends continue the chain").isTrue();
    assertThat(retention.purgeAudit(100_000, 100, 20_000).await()).as("everything").isEqualTo(6);
    JsonObject empty = log.verify().await();
    assertThat(empty.getBoolean("valid")).isTrue();
    assertThat(empty.getLong("purged_entries")).isEqualTo(11);
    log.record(null, "test.event", "job", "j12", "success", new JsonObject(), "127.0.0.1", 12_000L).await();
    JsonObject after = log.verify().await();
    assertThat(after.getBoolean("valid")).as("the next entry links to the last purged one: " + after.encode())
        .isTrue();
    assertThat(after.getLong("entries_checked")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void notificationHistoryAndServerEventsArePurgedByAgeButNotWhatIsStillBeingSent(Backend b) throws Exception {
    open(b);
    NotificationStore n = store.notifications();
    long channel = n.createChannel("webhook", "hook", true, new JsonObject(), 1_000).await().id();
    // Server events: each occurrence once, however often it is found.
    ServerEventStore events = store.serverEvents();
    assertThat(events.record("worker:w1:100", "system.worker_offline", new JsonObject().put("worker_id", "w1"), 1_000)
        .await()).isTrue();
    assertThat(events.record("worker:w1:100", "system.worker_offline", new JsonObject(), 1_500).await()).isFalse();
    assertThat(events.record("audit:7:changed", "system.audit_chain_broken", new JsonObject(), 9_000).await()).isTrue();
    List<ServerEventStore.ServerEvent> all = events.after(0, 10).await();
    assertThat(all).extracting(ServerEventStore.ServerEvent::dedupeKey).containsExactly("worker:w1:100",
        "audit:7:changed");
    assertThat(all.get(0).data().getString("worker_id")).isEqualTo("w1");
    assertThat(n.cursor("server").await()).as("the migration starts the server cursor at the beginning").isZero();

    // Old: one delivered (with an attempt), one dead, one still pending; young: one delivered.
    List<NotificationStore.NewMessage> messages = List.of(
        new NotificationStore.NewMessage(all.get(0).id(), "system.worker_offline", channel, null, "local", "a",
            new JsonObject()),
        new NotificationStore.NewMessage(all.get(0).id(), "system.worker_offline", channel, null, "local", "b",
            new JsonObject()),
        new NotificationStore.NewMessage(all.get(0).id(), "system.worker_offline", channel, null, "local", "c",
            new JsonObject()));
    n.route("server", all.get(0).id(), messages, 2_000).await();
    List<NotificationStore.Message> due = n.due(2_000, 10).await();
    assertThat(due).hasSize(3);
    n.attempted(due.get(0), new NotificationStore.Attempt(due.get(0).id(), 1, 2_100, 200, null, 5), "delivered", 2_100)
        .await();
    n.attempted(due.get(1), new NotificationStore.Attempt(due.get(1).id(), 1, 2_100, 500, "no", 5), "dead", 2_100)
        .await();
    NotificationStore.Message young = n.recordSent(new NotificationStore.NewMessage(null, "test", channel, null,
        "local", "", new JsonObject()), new NotificationStore.Attempt(0, 1, 20_000, 200, null, 5), true).await();
    
    assertThat(n.purgeHistory(10_000, 1).await()).as("a batch").isEqualTo(1);
    assertThat(n.purgeHistory(10_000, 10).await()).as("the rest of the old finished ones").isEqualTo(1);
    assertThat(n.purgeHistory(10_000, 10).await()).isZero();
    List<NotificationStore.Message> left = n.history(null, null, null, null, 10).await();
    assertThat(left).extracting(NotificationStore.Message::status).containsExactlyInAnyOrder("pending", "delivered");
    assertThat(left).extracting(NotificationStore.Message::createdAt).contains(20_000L);
    assertThat(n.attempts(List.of(due.get(0).id(), due.get(1).id())).await()).as("their attempts went too").isEmpty();
    assertThat(n.attempts(List.of(young.id())).await()).hasSize(1);

    // Server events go once read (at or before the cursor) and old enough.
    assertThat(events.purgeRead(10_000, 10).await()).as("only the one the cursor passed").isEqualTo(1);
    n.route("server", all.get(1).id(), List.of(), 20_000).await();
    assertThat(events.purgeRead(5_000, 10).await()).as("not old enough").isZero();
    assertThat(events.purgeRead(10_000, 10).await()).isEqualTo(1);
    assertThat(events.after(0, 10).await()).isEmpty();
  }
}
