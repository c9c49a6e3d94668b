package dev.simpletuner.cloud.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.support.WireAgent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server side of the worker agent's protocol, driven on the wire as the agent drives it
 * ({@link WireAgent}): what the real agent (conformance suite) cannot be made to do on cue.
 */
class WorkerFleetTest {
  @TempDir
  Path tmp;
  private TestServer server;
  private Api api;
  private final List<WireAgent> agents = new ArrayList<>();

  @BeforeEach
  void start() {
    // A short timeout, so that silence is noticed within a test (the sweep runs every second).
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_HEARTBEAT_TIMEOUT", "4"));
    api = server.api();
  }

  @AfterEach
  void stop() {
    agents.forEach(WireAgent::close);
    server.close();
  }

  private JsonObject create(String name, JsonObject labels) {
    Api.Response r = api.post("/api/admin/workers", new JsonObject().put("name", name).put("labels", labels));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private WireAgent connect(JsonObject created) throws InterruptedException {
    WireAgent agent = new WireAgent(api, created.getString("token"));
    agents.add(agent);
    assertThat(agent.register(created.getString("name"), true, null).status()).isEqualTo(200);
    agent.openStream();
    assertThat(agent.heartbeat("idle", null).status()).isEqualTo(200);
    return agent;
  }

  private String submit(JsonObject extra) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.write(data.resolve("a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    JsonObject body = new JsonObject().put("config", new JsonObject().put("--model_family", "flux")
            .put("--model_type", "lora").put("--optimizer", "adamw_bf16").put("--max_train_steps", 10)
            .put("--data_backend_config", "/elsewhere/multidatabackend.json"))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "imgs").put("type", "local")
            .put("instance_data_dir", data.toString())))
        .mergeIn(extra);
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=worker", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  private JsonObject jobSubmit(WireAgent agent) throws InterruptedException {
    JsonObject event = agent.next(Duration.ofSeconds(10));
    assertThat(event).as("a job_submit").isNotNull();
    assertThat(event.getString("type")).isEqualTo("job_submit");
    return event;
  }

  @Test
  void theJobSubmitCarriesWhatTheRealTrainerNeedsUnderTheAgent() throws Exception {
    WireAgent agent = connect(create("box", new JsonObject()));
    String jobId = submit(new JsonObject().put("tracker_run_name", "run-1"));
    JsonObject event = jobSubmit(agent);
    assertThat(event.getString("job_id")).isEqualTo(jobId);
    // The agent's JSON-dataloader path (worker_agent.py:290-297), which also publishes the final model.
    assertThat(event.getString("provider")).isEqualTo("kubeflow");
    assertThat(event.getString("upload_endpoint")).isEqualTo("/api/cloud/storage");
    JsonObject config = event.getJsonObject("config");
    assertThat(config.containsKey("--data_backend_config")).isFalse();
    assertThat(config.getString("--output_dir")).isEqualTo("/tmp/simpletuner_job_" + jobId + "/output");
    assertThat(config.getString("--tracker_run_name")).isEqualTo("run-1");
    JsonObject hook = new JsonArray(config.getString("--webhook_config")).getJsonObject(0);
    assertThat(hook.getString("callback_url")).isEqualTo(api.base() + "/api/webhooks/trainer/" + jobId);
    assertThat(hook.getString("auth_token")).isNotBlank();
    JsonObject publish = new JsonArray(String.valueOf(config.getValue("--publishing_config"))).getJsonObject(0);
    assertThat(publish.getString("endpoint_url")).isEqualTo(api.base() + "/api/cloud/storage");
    // Local datasets are served to the worker by this server's storage endpoint.
    JsonObject dataset = event.getJsonArray("dataloader").getJsonObject(0);
    assertThat(dataset.getString("type")).isEqualTo("aws");
    assertThat(dataset.getString("aws_endpoint_url")).startsWith(api.base());
    // Nothing about the job changes until the agent says it started.
    assertThat(api.job(jobId).getString("status")).isEqualTo("queued");
    assertThat(agent.status(jobId, "starting", null).status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("running");
    assertThat(agent.status(jobId, "running", null).status()).isEqualTo(200);
    assertThat(agent.status(jobId, "completed", null).status()).isEqualTo(200);
    JsonObject done = api.job(jobId);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("completed");
    // A late "failed" (the agent says so after a cancel too) changes nothing.
    assertThat(agent.status(jobId, "failed", "Training exited with code -15").status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("completed");
  }

  @Test
  void tokensReachOnlyTheirOwnWorkerAndJobs() throws Exception {
    JsonObject first = create("first", new JsonObject());
    JsonObject second = create("second", new JsonObject());
    WireAgent one = connect(first);
    WireAgent two = connect(second);
    String jobId = submit(new JsonObject());
    JsonObject got = one.next(Duration.ofSeconds(5));
    WireAgent holder = got != null ? one : two;
    if (got == null) {
      jobSubmit(two);
    }
    WireAgent other = holder == one ? two : one;
    String otherToken = holder == one ? second.getString("token") : first.getString("token");

    WireAgent nobody = new WireAgent(api, "wt_not-a-token");
    assertThat(nobody.register("x", true, null).status()).isEqualTo(401);
    assertThat(new WireAgent(api, "").register("x", true, null).status()).isEqualTo(401);
    assertThat(api.post("/api/workers/job/" + jobId + "/status", new JsonObject().put("status", "completed"))
        .status()).isEqualTo(401);
    // Another worker's job, and another worker's id.
    assertThat(other.status(jobId, "completed", null).status()).isEqualTo(403);
    assertThat(other.status("no-such-job", "completed", null).status()).isEqualTo(404);
    Api.Response mismatch = api.post("/api/workers/heartbeat", new JsonObject().put("worker_id",
        holder.workerId()).put("status", "idle"), WireAgent.HEADER, otherToken);
    assertThat(mismatch.status()).isEqualTo(400);
    assertThat(api.job(jobId).getString("status")).isEqualTo("queued");

    // The admin's list never shows a token or its hash.
    String list = api.get("/api/admin/workers").body();
    assertThat(list).doesNotContain(first.getString("token")).doesNotContain(second.getString("token"))
        .doesNotContain(WorkerTokens.hash(first.getString("token")));

    // A rotated token is refused at once, and the stream it opened ends.
    Api.Response rotated = api.postEmpty("/api/admin/workers/" + first.getString("worker_id") + "/token");
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(one.heartbeat("idle", null).status()).isEqualTo(401);
    until(one::streamEnded, "the rotated worker's stream ended");
    WireAgent renewed = new WireAgent(api, rotated.json().getString("token"));
    agents.add(renewed);
    assertThat(renewed.register("first", true, null).status()).isEqualTo(200);
  }

  @Test
  void labelsMatchAsGlobsAndAWaitingJobSaysWhy() throws Exception {
    String jobId = submit(new JsonObject().put("worker_labels", new JsonObject().put("gpu_type", "a100*")));
    assertThat(api.job(jobId).getJsonObject("waiting").getString("reason")).isEqualTo("no_worker_online");
    WireAgent plain = connect(create("plain", new JsonObject().put("gpu_type", "rtx4090")));
    assertThat(api.job(jobId).getJsonObject("waiting").getString("reason")).isEqualTo("no_matching_worker");
    assertThat(api.job(jobId).getJsonObject("waiting").getString("message")).contains("gpu_type=a100*");
    assertThat(plain.queue().json().getBoolean("has_jobs")).isFalse();
    assertThat(plain.next(Duration.ofMillis(500))).isNull();

    WireAgent a100 = connect(create("a100", new JsonObject().put("gpu_type", "a100-sxm4")));
    assertThat(jobSubmit(a100).getString("job_id")).isEqualTo(jobId);
    assertThat(a100.status(jobId, "starting", null).status()).isEqualTo(200);
    String second = submit(new JsonObject().put("worker_labels", new JsonObject().put("gpu_type", "a100*")));
    assertThat(api.job(second).getJsonObject("waiting").getString("reason")).isEqualTo("all_workers_busy");
    assertThat(api.job(second).getLong("queue_position")).isEqualTo(1L);
    // Labels and GPUs belong to worker jobs only.
    Api.Response local = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", new JsonObject().put("--model_family", "flux").put("--model_type", "lora"))
        .put("dataloader_config", new JsonArray()).put("worker_labels", new JsonObject().put("a", "b")));
    assertThat(local.status()).isEqualTo(400);
    assertThat(local.body()).contains("worker_labels");
  }

  @Test
  void aSilentWorkerGoesOfflineAndItsJobIsRequeuedUntilItsRetriesAreSpent() throws Exception {
    String jobId = submit(new JsonObject());
    for (int attempt = 1; attempt <= 4; attempt++) {
      WireAgent agent = connect(create("box-" + attempt, new JsonObject()));
      assertThat(jobSubmit(agent).getString("job_id")).isEqualTo(jobId);
      assertThat(agent.status(jobId, "starting", null).status()).isEqualTo(200);
      assertThat(api.job(jobId).getString("status")).isEqualTo("running");
      // The machine disappears: no heartbeat, no goodbye.
      agent.close();
      int lost = attempt;
      JsonObject job = api.waitFor(jobId, j -> j.getJsonArray("attempts").size() == lost
          && !"running".equals(j.getJsonArray("attempts").getJsonObject(lost - 1).getString("outcome"))
          && !"running".equals(j.getString("status")), Duration.ofSeconds(20));
      assertThat(job.getJsonArray("attempts").getJsonObject(lost - 1).getString("outcome")).isEqualTo("lost");
      assertThat(job.getJsonArray("attempts").getJsonObject(lost - 1).getString("reason"))
          .contains("stopped sending heartbeats");
      if (attempt <= 3) {
        assertThat(job.getString("status")).isEqualTo("queued");
      } else {
        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error_message")).contains("lost its worker 4 times").contains("max_retries is 3");
      }
    }
    JsonArray workers = api.get("/api/admin/workers").json().getJsonArray("workers");
    assertThat(workers.stream().map(w -> ((JsonObject) w).getString("status"))).containsOnly("offline");
  }

  @Test
  void anIdleHeartbeatForAHandedOverJobMeansItWasNotTaken() throws Exception {
    WireAgent agent = connect(create("box", new JsonObject()));
    String jobId = submit(new JsonObject());
    jobSubmit(agent);
    // The agent dropped it ("Already running a job"), and keeps saying it is idle.
    JsonObject job = null;
    for (int i = 0; i < 40; i++) {
      agent.heartbeat("idle", null);
      job = api.job(jobId);
      if (job.getJsonArray("attempts").getJsonObject(0).getString("outcome").equals("not_taken")) {
        break;
      }
      Api.sleep(250);
    }
    assertThat(job.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("not_taken");
    // Back in the queue, not counted as a retry; and handed over again.
    JsonObject again = jobSubmit(agent);
    assertThat(again.getString("job_id")).isEqualTo(jobId);
    assertThat(api.job(jobId).getJsonArray("attempts")).hasSize(2);
  }

  @Test
  void aJobTheAgentDroppedWhileFinishingItsLastOneIsSentAgain() throws Exception {
    // The default heartbeat timeout: the take grace is long enough for copies to be sent.
    server.close();
    server = TestServer.start(Backend.SQLITE, Map.of());
    api = server.api();
    WireAgent agent = connect(create("box", new JsonObject()));
    String first = submit(new JsonObject());
    assertThat(jobSubmit(agent).getString("job_id")).isEqualTo(first);
    assertThat(agent.status(first, "starting", null).status()).isEqualTo(200);
    String second = submit(new JsonObject());
    assertThat(agent.status(first, "completed", null).status()).isEqualTo(200);
    // The real agent still holds the first job while its report is answered: the second is dropped.
    assertThat(jobSubmit(agent).getString("job_id")).isEqualTo(second);
    JsonObject again = agent.next(Duration.ofSeconds(5));
    assertThat(again).as("the dropped job is sent again").isNotNull();
    assertThat(again.getString("job_id")).isEqualTo(second);
    assertThat(agent.status(second, "starting", null).status()).isEqualTo(200);
    assertThat(agent.next(Duration.ofSeconds(4))).as("no copy once it started").isNull();
    assertThat(api.job(second).getJsonArray("attempts")).hasSize(1);
  }

  @Test
  void aReconnectingAgentResumesItsJobOrIsToldToAbandonOne() throws Exception {
    JsonObject created = create("box", new JsonObject());
    WireAgent agent = connect(created);
    String jobId = submit(new JsonObject());
    jobSubmit(agent);
    agent.status(jobId, "starting", null);
    agent.close();
    // It comes back with the job it runs: resume.
    WireAgent back = new WireAgent(api, created.getString("token"));
    agents.add(back);
    JsonObject answer = back.register("box", true, jobId).json();
    assertThat(answer.getJsonObject("resume_job").getString("job_id")).isEqualTo(jobId);
    assertThat(answer.getValue("abandon_job")).isNull();
    // A job cancelled meanwhile: abandon it.
    assertThat(api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel").status()).isEqualTo(200);
    JsonObject later = back.register("box", true, jobId).json();
    assertThat(later.getString("abandon_job")).isEqualTo(jobId);
    assertThat(later.getValue("resume_job")).isNull();
  }

  @Test
  void deletingABusyWorkerNeedsForceAndRequeuesItsJob() throws Exception {
    JsonObject created = create("box", new JsonObject());
    WireAgent agent = connect(created);
    String jobId = submit(new JsonObject());
    jobSubmit(agent);
    agent.status(jobId, "starting", null);
    String id = created.getString("worker_id");
    assertThat(api.delete("/api/admin/workers/" + id).status()).isEqualTo(409);
    assertThat(api.delete("/api/admin/workers/" + id + "?force=true").status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("queued");
    assertThat(agent.heartbeat("busy", jobId).status()).isEqualTo(401);
    assertThat(api.delete("/api/admin/workers/" + id).status()).isEqualTo(404);
  }

  @Test
  void aWorkerTokenOpensNothingButTheWorkerRoutes() throws Exception {
    JsonObject created = create("box", new JsonObject());
    String token = created.getString("token");
    // Accounts exist, so the API needs credentials: a worker token is none of them.
    assertThat(api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "admin")
        .put("password", "correct horse battery")).status()).isEqualTo(200);
    for (String[] header : new String[][] {{"X-API-Key", token}, {"Authorization", "Bearer " + token},
        {WireAgent.HEADER, token}}) {
      assertThat(api.get("/api/cloud/jobs", header).status()).as(header[0]).isEqualTo(401);
      assertThat(api.get("/api/admin/workers", header).status()).as(header[0]).isEqualTo(401);
    }
    WireAgent agent = new WireAgent(api, token);
    agents.add(agent);
    assertThat(agent.register("box", true, null).status()).isEqualTo(200);
  }

  @Test
  void theReferenceQueueSubmitSendsAutoToAWorkerWhenOneFits() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    JsonObject config = new JsonObject().put("name", "cfg").put("config", new JsonObject()
            .put("--model_family", "flux").put("--model_type", "lora").put("--optimizer", "adamw_bf16"))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "imgs").put("type", "local")
            .put("instance_data_dir", data.toString())));
    assertThat(api.post("/api/configs", config).status()).isEqualTo(201);
    JsonObject none = api.post("/api/queue/submit", new JsonObject().put("config_name", "cfg")).json();
    assertThat(none.getString("target")).isEqualTo("local");
    connect(create("box", new JsonObject().put("team", "nlp")));
    JsonObject fits = api.post("/api/queue/submit", new JsonObject().put("config_name", "cfg")
        .put("target", "auto").put("worker_labels", new JsonObject().put("team", "n*"))).json();
    assertThat(fits.getString("target")).isEqualTo("worker");
    assertThat(api.job(fits.getString("job_id")).getString("provider")).isEqualTo("worker");
    JsonObject misfit = api.post("/api/queue/submit", new JsonObject().put("config_name", "cfg")
        .put("worker_labels", new JsonObject().put("team", "vision"))).json();
    assertThat(misfit.getString("target")).isEqualTo("local");
    Api.Response forced = api.post("/api/queue/submit", new JsonObject().put("config_name", "cfg")
        .put("target", "worker").put("worker_labels", new JsonObject().put("team", "vision")));
    assertThat(forced.json().getString("target")).isEqualTo("worker");
    assertThat(api.post("/api/queue/submit", new JsonObject().put("config_name", "missing")).status())
        .isEqualTo(404);
  }

  private static void until(java.util.function.BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Api.sleep(50);
    }
  }
}
