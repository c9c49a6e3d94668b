package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.replicate.DatasetsAccess;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-hosted workers joined by SimpleTuner's own worker agent ({@code simpletuner worker},
 * unchanged), whose trainers are the trainer stand-in behind {@code python -m simpletuner.train}.
 */
class WorkerAgentTest {
  /** Above the agent's 30 s heartbeat interval (worker_agent.py:446-450), as low as a test can wait. */
  private static final String HEARTBEAT_TIMEOUT = "40";
  @TempDir
  Path tmp;
  private final List<TestServer> servers = new ArrayList<>();
  private final List<WorkerAgent> agents = new ArrayList<>();

  @AfterEach
  void stop() {
    agents.forEach(WorkerAgent::close);
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }

  private TestServer server(Backend backend, int port) {
    TestServer s = TestServer.start(backend, Map.of("SIMPLETUNER_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT,
        "SIMPLETUNER_PORT", String.valueOf(port)));
    servers.add(s);
    return s;
  }

  /** Creates a worker through the admin API; its token. */
  private static JsonObject createWorker(Api api, String name, JsonObject labels) {
    Api.Response r = api.post("/api/admin/workers", new JsonObject().put("name", name).put("labels", labels));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getString("token")).startsWith("wt_");
    return r.json();
  }

  private WorkerAgent agent(Api api, JsonObject worker, boolean persistent, double stepSeconds) {
    WorkerAgent agent = WorkerAgent.start(tmp.resolve("agents"), api.base(), worker.getString("token"),
        worker.getString("name"), persistent, Map.of("STANDIN_STEP_SECONDS", String.valueOf(stepSeconds)));
    agents.add(agent);
    return agent;
  }

  private static JsonObject workerView(Api api, String workerId) {
    return api.get("/api/admin/workers").json().getJsonArray("workers").stream().map(JsonObject.class::cast)
        .filter(w -> w.getString("worker_id").equals(workerId)).findFirst().orElse(null);
  }

  private static void until(String what, Duration timeout, Supplier<Boolean> done, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " did not happen in " + timeout + ": " + state.get());
      }
      Api.sleep(200);
    }
  }

  private static void idle(Api api, JsonObject worker, WorkerAgent agent) {
    String id = worker.getString("worker_id");
    until(worker.getString("name") + " idle", Duration.ofSeconds(30), () -> {
      JsonObject w = workerView(api, id);
      return w != null && "idle".equals(w.getString("status")) && w.getBoolean("connected");
    }, () -> workerView(api, id) + "\n" + WorkerAgent.tail(agent.log(), 3000));
  }

  private JsonObject job(int steps, Path dataset) {
    return new JsonObject()
        .put("config", new JsonObject().put("--model_family", "flux").put("--model_type", "lora")
            .put("--optimizer", "adamw_bf16").put("--max_train_steps", steps))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images").put("type", "local")
            .put("instance_data_dir", dataset.toString())))
        .put("delivery", new JsonArray().add("local"));
  }

  private static String submit(Api api, JsonObject body) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=worker", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  private static JsonArray attempts(Api api, String jobId) {
    return api.job(jobId).getJsonArray("attempts");
  }

  private static Path finalWeights(String jobId) {
    return Path.of("/tmp/simpletuner_job_" + jobId, "output", "pytorch_lora_weights.safetensors");
  }

  @Test
  void aLabelledJobRunsOnTheLabelledWorkerLiveAndItsModelComesHome() throws Exception {
    TestServer server = server(Backend.SQLITE, TestServer.freePort());
    Api api = server.api();
    Path dataset = DatasetsAccess.images(tmp.resolve("data"), 4, 64);
    JsonObject labelled = createWorker(api, "a100-box", new JsonObject().put("gpu_type", "a100-80g"));
    JsonObject spot = createWorker(api, "spot-box", new JsonObject());
    WorkerAgent a100 = agent(api, labelled, true, 0.05);
    WorkerAgent ephemeral = agent(api, spot, false, 0.02);
    idle(api, labelled, a100);
    idle(api, spot, ephemeral);
    // Labels given at creation survive registration (the agent reports none).
    assertThat(workerView(api, labelled.getString("worker_id")).getJsonObject("labels").getString("gpu_type"))
        .isEqualTo("a100-80g");

    String jobId = submit(api, job(40, dataset).put("worker_labels", new JsonObject().put("gpu_type", "a100*")));
    JsonObject done;
    try (JobWatcher watcher = new JobWatcher(api.base(), jobId)) {
      done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
      assertThat(done.getString("status")).as(done.encodePrettily() + WorkerAgent.tail(a100.log(), 4000))
          .isEqualTo("completed");
      List<Long> steps = watcher.changes().stream().map(c -> c.getJsonObject("progress").getLong("current"))
          .filter(s -> s != null && s > 0 && s < 40).toList();
      assertThat(steps).as("live progress while it ran").hasSizeGreaterThan(2).isSorted();
    }
    assertThat(done.getJsonObject("progress").getLong("current")).isEqualTo(40);
    assertThat(done.getString("external_id")).isEqualTo(labelled.getString("worker_id"));
    JsonArray attempts = done.getJsonArray("attempts");
    assertThat(attempts).hasSize(1);
    assertThat(attempts.getJsonObject(0).getString("worker_name")).isEqualTo("a100-box");
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("completed");

    // The final weights the trainer wrote on the worker, home byte for byte through the storage endpoint.
    JsonObject local = api.waitFor(jobId, j -> "delivered".equals(delivery(j).getString("status")),
        Duration.ofSeconds(60));
    JsonObject weights = api.get("/api/cloud/jobs/" + jobId + "/outputs").json().getJsonArray("files").stream()
        .map(JsonObject.class::cast).filter(f -> f.getString("path").endsWith("pytorch_lora_weights.safetensors"))
        .findFirst().orElseThrow(() -> new AssertionError(delivery(local).encode()));
    assertThat(weights.getString("sha256")).isEqualTo(sha256(Files.readAllBytes(finalWeights(jobId))));
    assertThat(api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs"))
        .contains("Dataset training-images: 4 image(s)");

    // The ephemeral worker takes the next job (the labelled one is drained), then leaves.
    assertThat(api.postEmpty("/api/admin/workers/" + labelled.getString("worker_id") + "/drain").status())
        .isEqualTo(200);
    String second = submit(api, job(5, dataset));
    JsonObject secondDone = api.waitFor(second, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90));
    assertThat(secondDone.getString("status")).as(WorkerAgent.tail(ephemeral.log(), 4000)).isEqualTo("completed");
    assertThat(secondDone.getString("external_id")).isEqualTo(spot.getString("worker_id"));
    assertThat(ephemeral.waitForExit(Duration.ofSeconds(30))).as(WorkerAgent.tail(ephemeral.log(), 3000))
        .isEqualTo(0);
    assertThat(workerView(api, spot.getString("worker_id")).getString("status")).isEqualTo("offline");
    assertThat(workerView(api, labelled.getString("worker_id")).getString("status")).isEqualTo("draining");
    assertThat(a100.isAlive()).isTrue();
  }

  @Test
  void cancelReachesTheWorkerAndItsTrainingProcessDies() throws Exception {
    TestServer server = server(Backend.SQLITE, TestServer.freePort());
    Api api = server.api();
    JsonObject worker = createWorker(api, "box", new JsonObject());
    WorkerAgent agent = agent(api, worker, true, 0.1);
    idle(api, worker, agent);
    String jobId = submit(api, job(2_000, DatasetsAccess.images(tmp.resolve("data"), 2, 64)));
    api.waitFor(jobId, j -> step(j) > 3, Duration.ofSeconds(60));
    assertThat(agent.trainers()).isNotEmpty();

    assertThat(api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel").status()).isEqualTo(200);
    until("the trainer ended", Duration.ofSeconds(40), () -> agent.trainers().isEmpty(),
        () -> WorkerAgent.tail(agent.log(), 3000));
    // The agent says "failed" after the cancel as well: the job stays cancelled, the worker is free.
    until("the worker free", Duration.ofSeconds(20), () -> "idle".equals(workerView(api, worker.getString("worker_id"))
        .getString("status")), () -> workerView(api, worker.getString("worker_id")).encode());
    JsonObject job = api.job(jobId);
    assertThat(job.getString("status")).isEqualTo("cancelled");
    assertThat(job.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isIn("cancelled", "failed");
    assertThat(agent.isAlive()).isTrue();
  }

  @Test
  void aWorkerKilledMidJobLosesItToTheOtherWorker() throws Exception {
    TestServer server = server(Backend.SQLITE, TestServer.freePort());
    Api api = server.api();
    JsonObject first = createWorker(api, "first", new JsonObject());
    JsonObject second = createWorker(api, "second", new JsonObject());
    WorkerAgent one = agent(api, first, true, 0.1);
    idle(api, first, one);
    String jobId = submit(api, job(300, DatasetsAccess.images(tmp.resolve("data"), 2, 64)));
    api.waitFor(jobId, j -> step(j) > 3, Duration.ofSeconds(60));
    WorkerAgent two = agent(api, second, true, 0.02);
    idle(api, second, two);

    one.killHard();
    JsonObject done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(150));
    assertThat(done.getString("status")).as(done.encodePrettily() + WorkerAgent.tail(two.log(), 3000))
        .isEqualTo("completed");
    JsonArray attempts = done.getJsonArray("attempts");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.getJsonObject(0).getString("worker_name")).isEqualTo("first");
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("lost");
    assertThat(attempts.getJsonObject(0).getString("reason")).contains("stopped sending heartbeats");
    assertThat(attempts.getJsonObject(1).getString("worker_name")).isEqualTo("second");
    assertThat(attempts.getJsonObject(1).getString("outcome")).isEqualTo("completed");
    assertThat(workerView(api, first.getString("worker_id")).getString("status")).isEqualTo("offline");
  }

  @Test
  void aWrongTokenIsRefusedAndRegistersNothing() throws Exception {
    TestServer server = server(Backend.SQLITE, TestServer.freePort());
    Api api = server.api();
    JsonObject real = createWorker(api, "real", new JsonObject());
    WorkerAgent impostor = agent(api, new JsonObject().put("name", "impostor")
        .put("token", "wt_" + "x".repeat(43)), true, 0.05);
    // worker_agent.py:166-169: a 401 ends the agent.
    assertThat(impostor.waitForExit(Duration.ofSeconds(30))).isEqualTo(0);
    assertThat(impostor.log()).contains("Invalid worker token, exiting");
    JsonArray workers = api.get("/api/admin/workers").json().getJsonArray("workers");
    assertThat(workers).hasSize(1);
    assertThat(workers.getJsonObject(0).getString("status")).isEqualTo("connecting");
    assertThat(workers.encode()).doesNotContain(real.getString("token"));

    // A rotated token is refused at once, its stream included: the agent stops.
    WorkerAgent agent = agent(api, real, true, 0.05);
    idle(api, real, agent);
    Api.Response rotated = api.postEmpty("/api/admin/workers/" + real.getString("worker_id") + "/token");
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.json().getString("token")).startsWith("wt_").isNotEqualTo(real.getString("token"));
    assertThat(agent.waitForExit(Duration.ofSeconds(40))).as(WorkerAgent.tail(agent.log(), 3000)).isEqualTo(0);
    assertThat(agent.log()).contains("Invalid worker token, exiting");
  }

  @Test
  void aServerRestartIsSurvivedByTheRunningJob() throws Exception {
    int port = TestServer.freePort();
    TestServer server = server(Backend.SQLITE, port);
    Api api = server.api();
    JsonObject worker = createWorker(api, "box", new JsonObject());
    WorkerAgent agent = agent(api, worker, true, 0.1);
    idle(api, worker, agent);
    String jobId = submit(api, job(200, DatasetsAccess.images(tmp.resolve("data"), 2, 64)));
    api.waitFor(jobId, j -> step(j) > 3, Duration.ofSeconds(60));

    server.stop();
    Api.sleep(1_000);
    server.boot();
    Api again = server.api();
    // The agent reconnects (every 10 s), reports the job it runs and is told to resume it.
    until("the agent back", Duration.ofSeconds(40), () -> {
      JsonObject w = workerView(again, worker.getString("worker_id"));
      return w != null && w.getBoolean("connected") && jobId.equals(w.getString("current_job_id"));
    }, () -> WorkerAgent.tail(agent.log(), 3000));
    // Seen connected with its job as soon as it registers; the resume order reaches it just after.
    until("the agent told to resume", Duration.ofSeconds(20), () -> agent.log().contains("Resuming job: " + jobId),
        () -> WorkerAgent.tail(agent.log(), 3000));
    until("the job ended", Duration.ofSeconds(120), () -> again.job(jobId).getBoolean("is_terminal"),
        () -> again.job(jobId).encodePrettily() + WorkerAgent.tail(agent.log(), 6000));
    JsonObject done = again.job(jobId);
    assertThat(done.getString("status")).as(done.encodePrettily()).isEqualTo("completed");
    assertThat(done.getJsonArray("attempts")).hasSize(1);
  }

  /**
   * The agent reads its trainer's output with asyncio's line reader, which gives up on a line over
   * 64 KiB (worker_agent.py:366-367): a long run's progress bar, redrawn with carriage returns and
   * no newline, is one. Its watcher dies, and it never reports the end; the trainer's own word (its
   * callbacks) completes the job, and the agent is told to drop it.
   */
  @Test
  void aJobWhoseAgentStopsWatchingItsTrainerStillCompletes() throws Exception {
    TestServer server = server(Backend.SQLITE, TestServer.freePort());
    Api api = server.api();
    JsonObject worker = createWorker(api, "box", new JsonObject());
    WorkerAgent agent = agent(api, worker, true, 0.005);
    idle(api, worker, agent);
    String jobId = submit(api, job(1_500, DatasetsAccess.images(tmp.resolve("data"), 2, 64)));
    until("the job ended", Duration.ofSeconds(150), () -> api.job(jobId).getBoolean("is_terminal"),
        () -> api.job(jobId).encodePrettily() + WorkerAgent.tail(agent.log(), 3000));
    JsonObject done = api.job(jobId);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(agent.log()).contains("Separator is not found, and chunk exceed the limit");
    assertThat(done.getJsonArray("attempts").getJsonObject(0).getString("reason")).contains("never reported");
    until("the worker free", Duration.ofSeconds(60), () -> "idle".equals(workerView(api, worker.getString("worker_id"))
        .getString("status")), () -> workerView(api, worker.getString("worker_id")).encode());
    // It takes the next job.
    String next = submit(api, job(5, DatasetsAccess.images(tmp.resolve("data2"), 2, 64)));
    assertThat(api.waitFor(next, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(90)).getString("status"))
        .isEqualTo("completed");
  }

  @Test
  void twoInstancesOnPostgresHandEachJobOutOnceAndCancelAcrossThem() throws Exception {
    TestServer a = server(Backend.POSTGRES, TestServer.freePort());
    TestServer b = a.sibling();
    servers.add(b);
    Api apiA = a.api();
    Api apiB = b.api();
    Path dataset = DatasetsAccess.images(tmp.resolve("data"), 2, 64);
    JsonObject w1 = createWorker(apiA, "on-a", new JsonObject());
    JsonObject w2 = createWorker(apiB, "on-b", new JsonObject());
    WorkerAgent one = agent(apiA, w1, true, 0.01);
    WorkerAgent two = agent(apiB, w2, true, 0.01);
    idle(apiA, w1, one);
    idle(apiA, w2, two);

    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      jobs.add(submit(i % 2 == 0 ? apiA : apiB, job(5, dataset)));
    }
    for (String jobId : jobs) {
      JsonObject done = apiA.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(120));
      assertThat(done.getString("status")).as(done.encodePrettily()).isEqualTo("completed");
      assertThat(attempts(apiA, jobId)).as("handed out once").hasSize(1);
    }
    assertThat(jobs.stream().map(j -> apiA.job(j).getString("external_id")).distinct())
        .containsExactlyInAnyOrder(w1.getString("worker_id"), w2.getString("worker_id"));

    // A cancel on instance A reaches the worker whose stream is on instance B.
    assertThat(apiA.postEmpty("/api/admin/workers/" + w1.getString("worker_id") + "/drain").status()).isEqualTo(200);
    String longJob = submit(apiA, job(2_000, dataset));
    apiA.waitFor(longJob, j -> step(j) > 3, Duration.ofSeconds(60));
    assertThat(apiA.job(longJob).getString("external_id")).isEqualTo(w2.getString("worker_id"));
    assertThat(apiA.postEmpty("/api/cloud/jobs/" + longJob + "/cancel").status()).isEqualTo(200);
    until("the trainer on B ended", Duration.ofSeconds(40), () -> two.trainers().isEmpty(),
        () -> WorkerAgent.tail(two.log(), 3000));
  }

  private static long step(JsonObject job) {
    Long current = job.getJsonObject("progress").getLong("current");
    return current == null ? 0 : current;
  }

  private static JsonObject delivery(JsonObject job) {
    return job.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(d -> "local".equals(d.getString("target"))).findFirst().orElseThrow();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
