package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.store.ConfigStore.NamedConfig;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The one store contract, checked against both backends. */
class StoreContractTest {
  private Vertx vertx;
  private Store store;
  private Backend backend;
  private String url;
  private Path dir;

  private Store open(Backend b) throws Exception {
    backend = b;
    vertx = Vertx.vertx();
    url = b.newDatabase();
    dir = Files.createTempDirectory("st-store-");
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

  private static Job job(String owner, long createdAt, JobStatus status, String provider) {
    return Job.submitted(UUID.randomUUID().toString(), owner, JobType.LOCAL, provider, status, "cfg", "run", null,
        null, 0.001, 0.0, createdAt, new JsonObject().put("--max_train_steps", 10),
        new JsonArray().add(new JsonObject().put("id", "d")), new JsonObject(), null, null);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void jobsRoundTripAndListWithTotals(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    List<Job> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Job j = job(i % 2 == 0 ? "alice" : "bob", 1_000 + i, i < 5 ? JobStatus.QUEUED : JobStatus.COMPLETED,
          i < 3 ? "local" : "replicate");
      jobs.submit(j, null, null).await();
      created.add(j);
    }
    Job got = jobs.get(created.get(0).jobId()).await().orElseThrow();
    assertThat(got.config().getInteger("--max_train_steps")).isEqualTo(10);
    assertThat(got.dataloaderConfig().getJsonObject(0).getString("id")).isEqualTo("d");
    assertThat(got.costPerSecond()).isEqualTo(0.001);

    JobPage page = jobs.list(new JobQuery(null, null, null, null, 3, 0)).await();
    assertThat(page.total()).isEqualTo(7);
    assertThat(page.jobs()).extracting(Job::jobId).containsExactly(created.get(6).jobId(), created.get(5).jobId(),
        created.get(4).jobId());
    assertThat(jobs.list(new JobQuery("alice", null, null, null, 50, 0)).await().total()).isEqualTo(4);
    assertThat(jobs.list(new JobQuery(null, JobStatus.COMPLETED, null, null, 50, 0)).await().total()).isEqualTo(2);
    assertThat(jobs.list(new JobQuery(null, null, "local", JobType.LOCAL, 50, 0)).await().total()).isEqualTo(3);
    assertThat(jobs.list(new JobQuery(null, null, null, null, 50, 6)).await().jobs()).hasSize(1);
    assertThat(jobs.active("local").await()).hasSize(3);
    assertThat(jobs.waiting("local", null, 10).await()).extracting(Job::jobId)
        .containsExactly(created.get(0).jobId(), created.get(1).jobId(), created.get(2).jobId());
    assertThat(jobs.queuePosition(created.get(2)).await()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aJobReadAfterUpdatesIsTheWholeJobAsStored(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    Job j = job("alice", 1_000, JobStatus.RUNNING, "local");
    jobs.submit(j, null, null).await();
    jobs.get(j.jobId()).await().orElseThrow(); // cached from here on
    for (int step = 1; step <= 3; step++) {
      jobs.update(j.jobId(), JobStatus.ACTIVE, JobUpdate.create().progress(new JsonObject().put("current", step))
          .startedAtIfUnset(2_000 + step), 3_000 + step).await().orElseThrow();
    }
    assertThat(jobs.update(j.jobId(), Set.of(JobStatus.QUEUED), JobUpdate.create().errorMessage("no"), 4_000)
        .await()).as("not queued: nothing changed").isEmpty();
    Job got = jobs.get(j.jobId()).await().orElseThrow();
    assertThat(got.config().getInteger("--max_train_steps")).as("configs kept").isEqualTo(10);
    assertThat(got.dataloaderConfig().getJsonObject(0).getString("id")).isEqualTo("d");
    assertThat(got.progress().getInteger("current")).isEqualTo(3);
    assertThat(got.startedAt()).as("the first start kept").isEqualTo(2_001L);
    assertThat(got.errorMessage()).isNull();
    assertThat(got.version()).isEqualTo(j.version() + 3);
    store.close().await();
    store = Store.open(vertx, url, dir.resolve("jobs.db")).await();
    assertThat(store.jobs().get(j.jobId()).await().orElseThrow()).as("the database holds the same")
        .usingRecursiveComparison().isEqualTo(got);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void uploadPartsKeepTheirChecksumAndASendAgainReplacesIt(Backend b) throws Exception {
    OutputStore outputs = open(b).outputs();
    outputs.createUpload(new OutputStore.Upload("u1", "job", "outputs", "job/m.bin", null, null, 1_000,
        new JsonObject().put("checksum", new JsonObject().put("algorithm", "sha256").put("type", "COMPOSITE")), null))
        .await();
    outputs.putPart("u1", new OutputStore.Part(2, 6, "e2", 1_100, "c2")).await();
    outputs.putPart("u1", new OutputStore.Part(1, 5, "e1", 1_100)).await();
    outputs.putPart("u1", new OutputStore.Part(1, 7, "e1b", 1_200, "c1")).await();
    assertThat(outputs.parts("u1").await()).containsExactly(new OutputStore.Part(1, 7, "e1b", 1_200, "c1"),
        new OutputStore.Part(2, 6, "e2", 1_100, "c2"));
    assertThat(outputs.upload("u1").await().orElseThrow().attrs().getJsonObject("checksum").getString("type"))
        .isEqualTo("COMPOSITE");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void leasesHaveOneOwnerAndATokenThatGrowsWithEachNewOwner(Backend b) throws Exception {
    ClusterStore cluster = open(b).cluster();
    long ttl = 1_000;
    assertThat(cluster.hold("poll", "a", 10_000, ttl).await()).contains(1L);
    assertThat(cluster.hold("poll", "b", 10_500, ttl).await()).as("held by a").isEmpty();
    assertThat(cluster.hold("poll", "a", 10_900, ttl).await()).as("a renews, same token").contains(1L);
    assertThat(cluster.hold("poll", "b", 11_500, ttl).await()).as("still a's until 11,900").isEmpty();
    assertThat(cluster.hold("poll", "b", 12_000, ttl).await()).as("expired: b takes it").contains(2L);
    assertThat(cluster.hold("poll", "a", 12_100, ttl).await()).as("a lost it").isEmpty();
    cluster.release("poll", "a", 1L).await(); // a stale token releases nothing
    assertThat(cluster.leases().await()).singleElement().satisfies(l -> {
      assertThat(l.owner()).isEqualTo("b");
      assertThat(l.expiresAt()).isEqualTo(13_000);
    });
    cluster.release("poll", "b", 2L).await();
    assertThat(cluster.hold("poll", "a", 12_200, ttl).await()).as("released: free at once, token still grows")
        .contains(3L);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void listTotalsFollowEveryWrite(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    JobQuery all = new JobQuery(null, null, null, null, 10, 0);
    JobQuery completed = new JobQuery(null, JobStatus.COMPLETED, null, null, 10, 0);
    JobQuery carol = new JobQuery("carol", null, null, null, 10, 0);
    assertThat(jobs.list(all).await().total()).isZero();
    Job first = job("local", 1, JobStatus.QUEUED, "local");
    jobs.submit(first, null, null).await();
    assertThat(jobs.list(all).await().total()).isEqualTo(1);
    assertThat(jobs.list(all).await().total()).isEqualTo(1);
    jobs.submit(job("local", 2, JobStatus.QUEUED, "local"), "key", "hash").await();
    assertThat(jobs.list(all).await().total()).isEqualTo(2);
    assertThat(jobs.list(completed).await().total()).isZero();
    jobs.update(first.jobId(), JobStatus.sourcesOf(JobStatus.COMPLETED), JobUpdate.create().status(JobStatus.COMPLETED),
        5).await();
    assertThat(jobs.list(completed).await().total()).isEqualTo(1);
    assertThat(jobs.list(carol).await().total()).isZero();
    jobs.adoptLocalJobs("carol").await();
    assertThat(jobs.list(carol).await().total()).isEqualTo(2);
    jobs.delete(first.jobId(), JobStatus.TERMINAL).await();
    assertThat(jobs.list(all).await().total()).isEqualTo(1);
    assertThat(jobs.list(completed).await().total()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void updatesHonourTheStatusGuard(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    Job j = job("alice", 1, JobStatus.QUEUED, "local");
    jobs.submit(j, null, null).await();
    assertThat(jobs.claimForDispatch(j.jobId(), "host-a", 5).await()).isPresent();
    assertThat(jobs.claimForDispatch(j.jobId(), "host-b", 6).await()).isEmpty();
    Job running = jobs.update(j.jobId(), JobStatus.sourcesOf(JobStatus.RUNNING),
        JobUpdate.create().status(JobStatus.RUNNING).startedAtIfUnset(10), 10).await().orElseThrow();
    assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(running.startedAt()).isEqualTo(10);
    assertThat(running.hostId()).isEqualTo("host-a");
    jobs.update(j.jobId(), null, JobUpdate.create().startedAtIfUnset(99), 11).await();
    assertThat(jobs.get(j.jobId()).await().orElseThrow().startedAt()).isEqualTo(10);
    assertThat(jobs.update(j.jobId(), JobStatus.sourcesOf(JobStatus.COMPLETED),
        JobUpdate.create().status(JobStatus.COMPLETED).costUsd(1.5), 20).await()).isPresent();
    // Terminal: nothing moves it any more.
    for (JobStatus target : JobStatus.values()) {
      assertThat(jobs.update(j.jobId(), JobStatus.sourcesOf(target), JobUpdate.create().status(target), 30).await())
          .as(target.name()).isEmpty();
    }
    assertThat(jobs.delete(j.jobId(), JobStatus.ACTIVE).await()).isFalse();
    assertThat(jobs.delete(j.jobId(), JobStatus.TERMINAL).await()).isTrue();
    assertThat(jobs.get(j.jobId()).await()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void idempotencyIsPerOwnerBoundToTheRequestAndAtomic(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    Job first = job("alice", 100, JobStatus.QUEUED, "local");
    SubmitOutcome created = jobs.submit(first, "k1", "hash-a").await();
    assertThat(created.hit()).isFalse();
    SubmitOutcome hit = jobs.submit(job("alice", 101, JobStatus.QUEUED, "local"), "k1", "hash-a").await();
    assertThat(hit.hit()).isTrue();
    assertThat(hit.job().jobId()).isEqualTo(first.jobId());
    assertThat(jobs.submit(job("alice", 102, JobStatus.QUEUED, "local"), "k1", "hash-b").await().conflict()).isTrue();
    SubmitOutcome otherOwner = jobs.submit(job("bob", 103, JobStatus.QUEUED, "local"), "k1", "hash-a").await();
    assertThat(otherOwner.hit()).isFalse();
    // After 24 hours the key is free again.
    Job later = job("alice", 100 + JobStore.IDEMPOTENCY_TTL_MS + 1, JobStatus.QUEUED, "local");
    assertThat(jobs.submit(later, "k1", "hash-b").await().hit()).isFalse();

    // Many at once: exactly one job.
    List<Future<SubmitOutcome>> racing = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      racing.add(jobs.submit(job("carol", 500, JobStatus.QUEUED, "local"), "race", "h"));
    }
    Future.join(racing).await();
    Set<String> ids = racing.stream().map(f -> f.result().job().jobId()).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(racing.stream().filter(f -> !f.result().hit()).count()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSubmissionThatNeverReachedTheProviderDoesNotUseUpItsKey(Backend b) throws Exception {
    JobStore jobs = open(b).jobs();
    Job failed = job("alice", 100, JobStatus.QUEUED, "local");
    jobs.submit(failed, "k", "h").await();
    jobs.update(failed.jobId(), null, JobUpdate.create().status(JobStatus.FAILED), 101).await();
    Job retry = job("alice", 200, JobStatus.QUEUED, "local");
    SubmitOutcome outcome = jobs.submit(retry, "k", "h").await();
    assertThat(outcome.hit()).isFalse();
    assertThat(outcome.job().jobId()).isEqualTo(retry.jobId());
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void logsAreNumberedTrimmedAndPaged(Backend b) throws Exception {
    LogStore logs = open(b).logs();
    assertThat(logs.lastSeq("j").await()).isZero();
    logs.append("j", 1, List.of("a", "b", "c"), 1).await();
    logs.append("j", 4, List.of("d", "e"), 2).await();
    assertThat(logs.lastSeq("j").await()).isEqualTo(5);
    assertThat(logs.tail("j", 2).await()).extracting(LogStore.Line::text).containsExactly("d", "e");
    assertThat(logs.after("j", 1, 2).await()).extracting(LogStore.Line::seq).containsExactly(2L, 3L);
    logs.trim("j", 3).await();
    assertThat(logs.tail("j", 10).await()).extracting(LogStore.Line::text).containsExactly("d", "e");
    assertThat(logs.lastSeq("other").await()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void eventsConfigsAndSettings(Backend b) throws Exception {
    Store s = open(b);
    s.events().add("j", "status", new JsonObject().put("status", "running"), 5).await();
    s.events().add("j", "note", new JsonObject(), 6).await();
    assertThat(s.events().list("j", 0, 10).await()).extracting(EventStore.Event::type)
        .containsExactly("status", "note");

    NamedConfig c = new NamedConfig("prod", "alice", "d", new JsonObject().put("--x", 1), new JsonArray(), 1, 1);
    assertThat(s.configs().create(c).await()).isTrue();
    assertThat(s.configs().create(c).await()).isFalse();
    assertThat(s.configs().put(new NamedConfig("prod", "alice", "e", new JsonObject().put("--x", 2),
        new JsonArray(), 2, 2)).await()).isFalse();
    assertThat(s.configs().get("prod").await().orElseThrow().config().getInteger("--x")).isEqualTo(2);
    assertThat(s.configs().list().await()).hasSize(1);
    assertThat(s.configs().delete("prod").await()).isTrue();
    assertThat(s.configs().delete("prod").await()).isFalse();

    s.settings().put("provider:x", Map.of("a", "1", "b", "2"), 1).await();
    java.util.HashMap<String, String> change = new java.util.HashMap<>();
    change.put("a", null);
    change.put("b", "3");
    s.settings().put("provider:x", change, 2).await();
    assertThat(s.settings().get("provider:x").await()).containsExactly(Map.entry("b", "3"));
    assertThat(s.settings().putIfAbsent("server", "k", "v1", 1).await()).isEqualTo("v1");
    assertThat(s.settings().putIfAbsent("server", "k", "v2", 1).await()).isEqualTo("v1");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void artifactsAreListedOldestFirstPerJobAndGoWithTheirJob(Backend b) throws Exception {
    ArtifactStore artifacts = open(b).artifacts();
    ArtifactStore.Artifact late = new ArtifactStore.Artifact("art_b", "j1", ArtifactStore.VALIDATION_IMAGE, 200L,
        "cat", "a cat on a mat", "image/png", 3_000_000_000L, "ab".repeat(32), 20);
    ArtifactStore.Artifact early = new ArtifactStore.Artifact("art_c", "j1", ArtifactStore.VALIDATION_IMAGE, null,
        null, null, "image/webp", 5, "cd".repeat(32), 10);
    ArtifactStore.Artifact sameTime = new ArtifactStore.Artifact("art_a", "j1", ArtifactStore.VALIDATION_IMAGE, 200L,
        "dog", "a dog", "image/png", 7, "ef".repeat(32), 20);
    ArtifactStore.Artifact other = new ArtifactStore.Artifact("art_d", "j2", ArtifactStore.VALIDATION_IMAGE, 1L,
        "x", "y", "image/jpeg", 11, "01".repeat(32), 1);
    for (ArtifactStore.Artifact a : List.of(late, early, sameTime, other)) {
      artifacts.add(a).await();
    }
    assertThat(artifacts.list("j1").await()).containsExactly(early, sameTime, late);
    assertThat(artifacts.list("none").await()).isEmpty();
    assertThat(artifacts.get("j1", "art_b").await()).contains(late);
    assertThat(artifacts.get("j1", "art_c").await().orElseThrow().step()).isNull();
    assertThat(artifacts.get("j1", "art_d").await()).as("another job's artifact").isEmpty();
    assertThat(artifacts.totalBytes("j1").await()).isEqualTo(3_000_000_012L);
    assertThat(artifacts.totalBytes("none").await()).isZero();
    assertThat(late.toJson().getString("created_at")).isEqualTo("1970-01-01T00:00:00.020Z");

    artifacts.deleteJob("j1").await();
    assertThat(artifacts.list("j1").await()).isEmpty();
    assertThat(artifacts.totalBytes("j1").await()).isZero();
    assertThat(artifacts.list("j2").await()).containsExactly(other);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void everySaveOfAConfigIsAVersionKeptAsSaved(Backend b) throws Exception {
    ConfigStore configs = open(b).configs();
    NamedConfig first = new NamedConfig("lora", "alice", "first", new JsonObject().put("--lr", 1), new JsonArray(), 10,
        10);
    assertThat(configs.create(first, "start").await()).contains(new ConfigStore.Saved(true, 1));
    assertThat(configs.create(first, "again").await()).as("the name is taken").isEmpty();
    assertThat(configs.save(new NamedConfig("lora", "bob", "second", new JsonObject().put("--lr", 2),
        new JsonArray().add(new JsonObject().put("id", "d")), 10, 20), "faster", null).await())
        .isEqualTo(new ConfigStore.Saved(false, 2));
    assertThat(configs.save(new NamedConfig("lora", "carol", "first", new JsonObject().put("--lr", 1),
        new JsonArray(), 10, 30), null, 1).await()).isEqualTo(new ConfigStore.Saved(false, 3));
    NamedConfig current = configs.get("lora").await().orElseThrow();
    assertThat(current.version()).isEqualTo(3);
    assertThat(current.ownerId()).as("the owner stays who made it").isEqualTo("alice");
    assertThat(configs.list().await()).extracting(NamedConfig::version).containsExactly(3);

    ConfigStore.VersionPage page = configs.versions("lora", 2, 0).await();
    assertThat(page.total()).isEqualTo(3);
    assertThat(page.versions()).extracting(ConfigStore.ConfigVersion::version).containsExactly(3, 2);
    assertThat(configs.versions("lora", 2, 2).await().versions()).extracting(ConfigStore.ConfigVersion::version)
        .containsExactly(1);
    ConfigStore.ConfigVersion second = configs.version("lora", 2).await().orElseThrow();
    assertThat(second).isEqualTo(new ConfigStore.ConfigVersion("lora", 2, "second", new JsonObject().put("--lr", 2),
        new JsonArray().add(new JsonObject().put("id", "d")), "bob", 20, "faster", null));
    assertThat(configs.version("lora", 3).await().orElseThrow().restoredFrom()).isEqualTo(1);
    assertThat(configs.version("lora", 3).await().orElseThrow().toJson(false).getString("content_hash"))
        .isEqualTo(configs.version("lora", 1).await().orElseThrow().toJson(false).getString("content_hash"));
    assertThat(configs.version("lora", 4).await()).isEmpty();

    assertThat(configs.delete("lora").await()).isTrue();
    assertThat(configs.versions("lora", 50, 0).await().total()).as("history outlives the config").isEqualTo(3);
    assertThat(configs.create(first, null).await()).as("numbering goes on").contains(new ConfigStore.Saved(true, 4));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void concurrentSavesOfOneConfigGetDistinctVersions(Backend b) throws Exception {
    ConfigStore configs = open(b).configs();
    List<Future<ConfigStore.Saved>> saves = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      saves.add(configs.save(new NamedConfig("race", "u" + i, null, new JsonObject().put("--i", i), new JsonArray(),
          1, 1 + i), null, null));
    }
    Future.all(saves).await();
    assertThat(saves.stream().map(f -> f.result().version()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(saves.stream().filter(f -> f.result().created()).count()).isEqualTo(1);
    assertThat(configs.versions("race", 50, 0).await().total()).isEqualTo(8);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void sweepsAreMadeOncePerKeyAndTheirRunsMoveOnlyForward(Backend b) throws Exception {
    SweepStore sweeps = open(b).sweeps();
    JsonObject base = new JsonObject().put("kind", "config").put("config", new JsonObject().put("--x", 1));
    SweepStore.Sweep first = new SweepStore.Sweep("swp_1", "alice", "grid", "local", base, 2, false, "final_loss",
        SweepStore.RUNNING, "key", "hash-1", 10, 10, "key_a");
    List<JsonObject> runs = List.of(new JsonObject().put("config", new JsonObject().put("--lr", 1)),
        new JsonObject().put("config", new JsonObject().put("--lr", 2)));
    assertThat(sweeps.create(first, runs).await()).isEqualTo(new SweepStore.Created(first, false));
    SweepStore.Sweep retry = new SweepStore.Sweep("swp_2", "alice", "grid", "local", base, 2, false, "final_loss",
        SweepStore.RUNNING, "key", "hash-2", 20, 20, null);
    SweepStore.Created again = sweeps.create(retry, runs).await();
    assertThat(again.hit()).isTrue();
    assertThat(again.sweep()).as("the sweep the key made first").isEqualTo(first);
    assertThat(sweeps.get("swp_2").await()).isEmpty();
    assertThat(sweeps.create(new SweepStore.Sweep("swp_3", "bob", null, "local", base, 1, true, "cost_usd",
        SweepStore.RUNNING, "key", "h", 30, 30, null), runs).await().hit()).as("keys are per owner").isFalse();
    assertThat(sweeps.create(new SweepStore.Sweep("swp_4", "alice", null, "local", base, 1, true, "cost_usd",
        SweepStore.RUNNING, null, "h", 40, 40, null), runs).await().hit()).as("no key, no match").isFalse();
    assertThat(sweeps.create(new SweepStore.Sweep("swp_5", "alice", null, "local", base, 1, true, "cost_usd",
        SweepStore.RUNNING, null, "h", 50, 50, null), runs).await().hit()).isFalse();

    sweeps.runSubmitted("swp_1", 0, "job-a", null, 11).await();
    sweeps.runSubmitted("swp_1", 0, "job-b", null, 12).await();
    assertThat(sweeps.runs("swp_1").await()).containsExactly(
        new SweepStore.Run("swp_1", 0, runs.get(0), SweepStore.SUBMITTED, "job-a", null, 11L),
        new SweepStore.Run("swp_1", 1, runs.get(1), SweepStore.WAITING, null, null, null));
    sweeps.skipWaiting("swp_1").await();
    sweeps.runSubmitted("swp_1", 1, null, "too late", 13).await();
    assertThat(sweeps.runs("swp_1").await().get(1).status()).isEqualTo(SweepStore.SKIPPED);
    sweeps.runSubmitted("swp_1", 1, "job-c", null, 13).await();
    assertThat(sweeps.runs("swp_1").await().get(1).jobId()).as("a job made while stopping is written down")
        .isEqualTo("job-c");
    assertThat(sweeps.list("alice", 2, 0).await().sweeps()).extracting(SweepStore.Sweep::sweepId)
        .containsExactly("swp_5", "swp_4");
    assertThat(sweeps.list("alice", 2, 0).await().total()).isEqualTo(3);
    assertThat(sweeps.list(null, 50, 0).await().total()).isEqualTo(4);
    assertThat(sweeps.running().await()).containsExactly("swp_1", "swp_3", "swp_4", "swp_5");
    sweeps.finish("swp_1", "stopped", 14).await();
    sweeps.finish("swp_1", "completed", 15).await();
    assertThat(sweeps.get("swp_1").await().orElseThrow().status()).isEqualTo("stopped");
    assertThat(sweeps.running().await()).doesNotContain("swp_1");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void configsSavedBeforeVersionsBecomeVersionOne(Backend b) throws Exception {
    Db db = open(b).db();
    // The database as it was before V9, holding a config.
    db.query("DROP TABLE config_versions").await();
    db.query("DROP TABLE sweep_runs").await();
    db.query("DROP TABLE sweeps").await();
    db.query("DELETE FROM schema_migrations WHERE version = 9").await(); // later ones stay applied
    db.query("INSERT INTO configs (name, owner_id, description, config, dataloader_config, created_at, updated_at) "
        + "VALUES ('old', 'alice', 'kept', '{\"--lr\":3}', '[]', 5, 7)").await();
    store.close().await();
    store = Store.open(vertx, url, dir.resolve("jobs.db")).await();
    assertThat(store.configs().get("old").await().orElseThrow().version()).isEqualTo(1);
    ConfigStore.ConfigVersion v1 = store.configs().version("old", 1).await().orElseThrow();
    assertThat(v1.config().getInteger("--lr")).isEqualTo(3);
    assertThat(v1.createdBy()).isEqualTo("alice");
    assertThat(v1.createdAt()).isEqualTo(7);
    assertThat(store.configs().save(new NamedConfig("old", "bob", null, new JsonObject(), new JsonArray(), 5, 9), null,
        null).await().version()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void migrationsAreAppliedOnce(Backend b) throws Exception {
    open(b);
    Store again = Store.open(vertx, url, dir.resolve("jobs.db")).await();
    again.close().await();
    assertThat(EnumSet.allOf(JobStatus.class)).isNotEmpty();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aOneJobWorkerIsBoundToItsJobOnceWhileIdleWithItsStreamHere(Backend b) throws Exception {
    WorkerStore workers = open(b).workers();
    workers.create(new WorkerStore.Worker("w_1", "pod-1", "ephemeral", "connecting", "hash-1", null,
        new JsonObject().put("simpletuner.dev/job-id", "job-1"), new JsonObject(), null, null, null, null, null, null,
        1L, 1L)).await();
    // Not registered yet, or its stream on another instance: nothing happens.
    assertThat(workers.bind("w_1", "pod-1", "job-1", "host-a", 5L).await()).isEmpty();
    workers.register("w_1", "pod-1", "ephemeral", new JsonObject(), "host-a", "http://a", 6L).await();
    workers.streamOpened("w_1", "host-a", 7L).await();
    assertThat(workers.bind("w_1", "pod-1", "job-1", "host-b", 8L).await()).isEmpty();
    assertThat(workers.bind("w_1", "pod-1", "job-1", "host-a", 9L).await()).contains(1);
    WorkerStore.Worker bound = workers.get("w_1").await().orElseThrow();
    assertThat(bound.status()).isEqualTo("busy");
    assertThat(bound.currentJobId()).isEqualTo("job-1");
    // Busy: a second hand-over does nothing; freed, the next one is attempt 2.
    assertThat(workers.bind("w_1", "pod-1", "job-1", "host-a", 10L).await()).isEmpty();
    assertThat(workers.release("w_1", "job-1", 11L).await()).isTrue();
    assertThat(workers.bind("w_1", "pod-1", "job-1", "host-a", 12L).await()).contains(2);
  }
}
