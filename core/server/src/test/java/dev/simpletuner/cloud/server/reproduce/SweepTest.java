package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Sweeps through the HTTP API on the local provider with the example trainer. */
class SweepTest {

  private static JsonObject waitForEnd(Api api, String sweepId) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    JsonObject sweep = api.get("/api/cloud/sweeps/" + sweepId).json();
    while ("running".equals(sweep.getString("status"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("The sweep did not end: " + sweep.encodePrettily());
      }
      Api.sleep(200);
      sweep = api.get("/api/cloud/sweeps/" + sweepId).json();
    }
    return sweep;
  }

  private static List<JsonObject> jobsOf(Api api, String sweepId) {
    return api.get("/api/cloud/jobs?limit=500").json().getJsonArray("jobs").stream().map(JsonObject.class::cast)
        .filter(j -> sweepId.equals(j.getString("sweep_id"))).toList();
  }

  private static String config(Api api, int steps) {
    String name = "sweep-base-" + UUID.randomUUID().toString().substring(0, 8);
    Api.Response made = api.post("/api/configs", new JsonObject().put("name", name).put("config", Configs.lora(steps)));
    assertThat(made.status()).as(made.body()).isEqualTo(201);
    return name;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aGridRunsEveryCombinationWithinItsCapAndNamesTheBest(Backend backend) {
    try (TestServer server = TestServer.start(backend, TestServer.trainerCommand(0.05))) {
      Api api = server.api();
      String name = config(api, 2);
      JsonObject body = new JsonObject().put("provider", "local").put("base", new JsonObject().put("config_name", name))
          .put("grid", new JsonObject().put("--max_train_steps", new JsonArray().add(2).add(3))
              .put("--lora_rank", new JsonArray().add(4).add(8)))
          .put("max_concurrent", 2).put("name", "lr-rank").put("idempotency_key", "grid-1");
      Api.Response made = api.post("/api/cloud/sweeps", body);
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      String sweepId = made.json().getString("sweep_id");
      assertThat(made.json().getInteger("total_runs")).isEqualTo(4);
      assertThat(made.json().getJsonArray("runs").stream().filter(r -> ((JsonObject) r).getString("job_id") != null)
          .count()).as("the first runs, up to the cap, go at once").isEqualTo(2);
      // The config changes meanwhile: the sweep runs the version it pinned.
      api.put("/api/configs/" + name, new JsonObject().put("config", Configs.lora(9)));

      JsonObject sweep = waitForEnd(api, sweepId);
      assertThat(sweep.getString("status")).isEqualTo("completed");
      assertThat(sweep.getJsonObject("base").getInteger("config_version")).isEqualTo(1);
      JsonArray runs = sweep.getJsonArray("runs");
      assertThat(runs.stream().map(r -> ((JsonObject) r).getJsonObject("overrides").getJsonObject("config").encode())
          .toList()).containsExactly("{\"--max_train_steps\":2,\"--lora_rank\":4}",
          "{\"--max_train_steps\":2,\"--lora_rank\":8}", "{\"--max_train_steps\":3,\"--lora_rank\":4}",
          "{\"--max_train_steps\":3,\"--lora_rank\":8}");
      for (Object r : runs) {
        JsonObject run = (JsonObject) r;
        assertThat(run.getString("job_status")).isEqualTo("completed");
        assertThat(run.getDouble("final_loss")).isNotNull();
        assertThat(run.getValue("cost_usd")).isNotNull();
        assertThat(run.getDouble("duration_seconds")).isNotNull();
      }
      // The example trainer's last loss falls with the step count: the 3-step runs are best, the first of them wins.
      assertThat(sweep.getJsonObject("best").getInteger("index")).isEqualTo(2);
      assertThat(sweep.getJsonObject("best").getDouble("value")).isEqualTo(runs.getJsonObject(2).getDouble("final_loss"))
          .isLessThan(runs.getJsonObject(0).getDouble("final_loss"));

      List<JsonObject> jobs = jobsOf(api, sweepId);
      assertThat(jobs).hasSize(4);
      for (JsonObject listed : jobs) {
        JsonObject job = api.job(listed.getString("job_id"));
        assertThat(job.getInteger("config_version")).isEqualTo(1);
        assertThat(job.getString("config_name")).isEqualTo(name);
        assertThat(job.getString("tracker_run_name")).startsWith("lr-rank-");
      }
      // Never more than two of the sweep's jobs at once: at each job's creation, fewer than two others had not ended.
      for (JsonObject job : jobs) {
        Instant created = Instant.parse(job.getString("created_at"));
        long overlapping = jobs.stream().filter(o -> o != job && !Instant.parse(o.getString("created_at")).isAfter(created)
            && Instant.parse(o.getString("completed_at")).isAfter(created)).count();
        assertThat(overlapping).isLessThan(2);
      }

      Api.Response again = api.post("/api/cloud/sweeps", body);
      assertThat(again.json().getBoolean("idempotent_hit")).isTrue();
      assertThat(again.json().getString("sweep_id")).isEqualTo(sweepId);
      Api.sleep(2_500);
      assertThat(jobsOf(api, sweepId)).as("a retried sweep makes nothing twice").hasSize(4);
      assertThat(api.post("/api/cloud/sweeps", body.copy().put("max_concurrent", 3)).status()).isEqualTo(409);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void waitingRunsAreSubmittedAfterARestartAndNoneTwice(Backend backend) {
    try (TestServer server = TestServer.start(backend, TestServer.trainerCommand(0.3))) {
      Api api = server.api();
      String name = config(api, 4);
      JsonArray list = new JsonArray();
      for (int i = 0; i < 3; i++) {
        list.add(new JsonObject().put("config", new JsonObject().put("--seed", i)));
      }
      Api.Response made = api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local")
          .put("base", new JsonObject().put("config_name", name)).put("runs", list).put("continue_on_error", true));
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      String sweepId = made.json().getString("sweep_id");
      assertThat(made.json().getJsonArray("runs").getJsonObject(1).getString("status")).isEqualTo("waiting");

      server.stop();
      server.boot();
      Api restarted = server.api();
      JsonObject sweep = waitForEnd(restarted, sweepId);
      assertThat(sweep.getString("status")).isEqualTo("completed");
      List<JsonObject> jobs = jobsOf(restarted, sweepId);
      assertThat(jobs).as("one job per run, none lost, none twice").hasSize(3);
      assertThat(sweep.getJsonArray("runs").stream().map(r -> ((JsonObject) r).getString("job_id")).distinct().count())
          .isEqualTo(3);
      assertThat(jobs.stream().map(j -> restarted.job(j.getString("job_id")).getJsonObject("config").getInteger("--seed"))
          .toList()).containsExactlyInAnyOrder(0, 1, 2);
    }
  }

  @Test
  void aRunWhoseJobWasMadeButNotRecordedFindsItsJobInsteadOfMakingAnother() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.3))) {
      Api api = server.api();
      String name = config(api, 4);
      String sweepId = sweepOf(api, name, new JsonArray().add(seed(0)).add(seed(1)));
      // As if an instance submitted run 2 and died before writing down its job.
      var store = server.server().context().store();
      var sweep = store.sweeps().get(sweepId).await().orElseThrow();
      var run = store.sweeps().runs(sweepId).await().get(1);
      assertThat(run.status()).isEqualTo("waiting");
      String made = server.server().commands().submit(Principal.localAdmin(null), "local",
          Sweeps.submission(sweep, run), Sweeps.origin(sweep, run)).await().jobId();

      JsonObject ended = waitForEnd(api, sweepId);
      assertThat(ended.getJsonArray("runs").getJsonObject(1).getString("job_id")).isEqualTo(made);
      assertThat(jobsOf(api, sweepId)).hasSize(2);
    }
  }

  @Test
  void aStoppedSweepSubmitsNothingMoreAndIsListed() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.3))) {
      Api api = server.api();
      String name = config(api, 4);
      String sweepId = sweepOf(api, name, new JsonArray().add(steps(4)).add(steps(4)).add(steps(4)));
      JsonObject listed = api.get("/api/cloud/sweeps?limit=10").json();
      assertThat(listed.getLong("total")).isEqualTo(1);
      assertThat(listed.getJsonArray("sweeps").getJsonObject(0).getString("status")).isEqualTo("running");

      Api.Response stopped = api.postEmpty("/api/cloud/sweeps/" + sweepId + "/stop");
      assertThat(stopped.status()).as(stopped.body()).isEqualTo(200);
      assertThat(stopped.json().getString("status")).isEqualTo("stopped");
      assertThat(stopped.json().getJsonArray("runs").stream().map(r -> ((JsonObject) r).getString("status")).toList())
          .containsExactly("submitted", "skipped", "skipped");
      assertThat(api.postEmpty("/api/cloud/sweeps/" + sweepId + "/stop").status()).isEqualTo(409);
      String first = stopped.json().getJsonArray("runs").getJsonObject(0).getString("job_id");
      api.waitFor(first, j -> j.getBoolean("is_terminal"), java.time.Duration.ofSeconds(60));
      Api.sleep(2_500);
      assertThat(jobsOf(api, sweepId)).hasSize(1);
      assertThat(api.get("/api/cloud/sweeps").json().getJsonArray("sweeps").getJsonObject(0).getString("status"))
          .isEqualTo("stopped");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aFailedRunStopsTheSweepUnlessItContinuesOnErrors(Backend backend) {
    try (TestServer server = TestServer.start(backend, "EXAMPLE_FAIL_AT_STEP=3 " + TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      String name = config(api, 2);
      JsonArray runs = new JsonArray().add(steps(2)).add(steps(5)).add(steps(2));
      JsonObject stopped = waitForEnd(api, api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local")
          .put("base", new JsonObject().put("config_name", name)).put("runs", runs)).json().getString("sweep_id"));
      assertThat(stopped.getString("status")).isEqualTo("stopped");
      assertThat(stopped.getJsonArray("runs").stream().map(r -> ((JsonObject) r).getString("job_status") + "/"
          + ((JsonObject) r).getString("status")).toList()).as(stopped.encodePrettily())
          .containsExactly("completed/submitted", "failed/submitted", "null/skipped");
      assertThat(stopped.getJsonArray("runs").getJsonObject(1).getString("error")).contains("simulated failure");

      JsonObject continued = waitForEnd(api, api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local")
          .put("base", new JsonObject().put("config_name", name)).put("runs", runs).put("continue_on_error", true)
          .put("metric", "duration_seconds")).json().getString("sweep_id"));
      assertThat(continued.getString("status")).isEqualTo("completed");
      assertThat(continued.getJsonArray("runs").stream().map(r -> ((JsonObject) r).getString("job_status")).toList())
          .containsExactly("completed", "failed", "completed");
      assertThat(continued.getJsonObject("best").getInteger("index")).isIn(0, 2);
      assertThat(continued.getJsonObject("counts").getInteger("completed")).isEqualTo(2);

      // Bad sweeps change nothing.
      long jobs = api.get("/api/cloud/jobs?limit=1").json().getLong("total");
      assertThat(api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local").put("base", new JsonObject().put("config_name", name))
          .put("runs", new JsonArray().add(new JsonObject().put("config", new JsonObject().putNull("--model_type")))))
          .json().getString("error")).startsWith("Run 1:");
      assertThat(api.post("/api/cloud/sweeps", new JsonObject().put("base", new JsonObject().put("config_name", "x-" + name))
          .put("runs", runs)).status()).isEqualTo(404);
      assertThat(api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local").put("base", new JsonObject().put("config_name", name)))
          .status()).as("neither grid nor runs").isEqualTo(400);
      assertThat(api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local").put("base", new JsonObject().put("config_name", name))
          .put("grid", new JsonObject().put("--a", range(11)).put("--b", range(11)))).status()).as("121 runs")
          .isEqualTo(400);
      assertThat(api.get("/api/cloud/jobs?limit=1").json().getLong("total")).isEqualTo(jobs);
      assertThat(api.get("/api/cloud/sweeps/swp_none").status()).isEqualTo(404);
    }
  }

  /** A sweep of {@code runs} over the named config on the local provider; its id. */
  private static String sweepOf(Api api, String name, JsonArray runs) {
    Api.Response made = api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local")
        .put("base", new JsonObject().put("config_name", name)).put("runs", runs));
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    return made.json().getString("sweep_id");
  }

  private static JsonObject seed(int seed) {
    return new JsonObject().put("config", new JsonObject().put("--seed", seed));
  }

  private static JsonObject steps(int steps) {
    return new JsonObject().put("config", new JsonObject().put("--max_train_steps", steps));
  }

  private static JsonArray range(int n) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
