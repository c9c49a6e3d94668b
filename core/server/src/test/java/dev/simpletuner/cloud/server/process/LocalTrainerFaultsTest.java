package dev.simpletuner.cloud.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real trainer processes: killed from outside, failing, cancelled with their whole tree, shut down. */
class LocalTrainerFaultsTest {

  private static String submitLong(Api api) {
    return api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(100000))).json().getString("job_id");
  }

  @Test
  void aTrainerKilledMidRunFailsTheJobWithTheSignal() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.05))) {
      Api api = server.api();
      String jobId = submitLong(api);
      api.waitFor(jobId, j -> j.getJsonObject("progress").getInteger("current") != null, Duration.ofSeconds(30));
      ProcessHandle trainer = TrainerProcesses.trainer(server.stateDir(), jobId);
      new ProcessBuilder("kill", "-9", String.valueOf(trainer.pid())).start().waitFor();
      JsonObject job = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
      assertThat(job.getString("status")).isEqualTo("failed");
      assertThat(job.getString("error_message")).contains("killed by signal 9");
      assertThat(job.getString("completed_at")).isNotNull();
    }
  }

  @Test
  void aTrainerThatExitsNonZeroFailsTheJobWithItsLastWords() {
    String command = "EXAMPLE_FAIL_AT_STEP=3 " + TestServer.trainerCommand(0.01);
    try (TestServer server = TestServer.start(Backend.SQLITE, command)) {
      Api api = server.api();
      String jobId = submitLong(api);
      JsonObject job = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
      assertThat(job.getString("status")).isEqualTo("failed");
      // The trainer's own words first (its error event), then what the exit said.
      assertThat(job.getString("error_message")).startsWith("Training failed: RuntimeError: simulated failure at step 3")
          .contains("exited with status 1");
    }
  }

  @Test
  void cancelEndsTheWholeProcessTree() throws Exception {
    // The trainer starts a grandchild that ignores SIGTERM: only the group kill after the grace gets it.
    String command = "sh -c 'trap \"\" TERM; sleep 600' & echo started; wait";
    try (TestServer server = TestServer.start(Backend.SQLITE, java.util.Map.of("SIMPLETUNER_LOCAL_COMMAND", command))) {
      Api api = server.api();
      api.put("/api/cloud/providers/local", new JsonObject().put("cancel_grace_seconds", 1));
      String jobId = submitLong(api);
      api.waitForStatus(jobId, "running");
      Api.sleep(300);
      ProcessHandle runner = TrainerProcesses.runner(server.stateDir(), jobId);
      List<ProcessHandle> tree = runner.descendants().toList();
      assertThat(tree).isNotEmpty();
      assertThat(api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel").json().getString("status"))
          .isEqualTo("cancelled");
      for (ProcessHandle p : tree) {
        TrainerProcesses.waitUntilGone(p);
      }
      assertThat(runner.isAlive()).isFalse();
    }
  }

  @Test
  void shutdownStopsRunningTrainersAndRecordsIt() throws Exception {
    TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.05));
    try {
      Api api = server.api();
      String jobId = submitLong(api);
      api.waitFor(jobId, j -> j.getJsonObject("progress").getInteger("current") != null, Duration.ofSeconds(30));
      ProcessHandle runner = TrainerProcesses.runner(server.stateDir(), jobId);
      server.stop();
      assertThat(runner.isAlive()).isFalse();
      server.boot();
      JsonObject job = server.api().job(jobId);
      assertThat(job.getString("status")).isEqualTo("failed");
      assertThat(job.getString("error_message")).contains("server shut down");
    } finally {
      server.close();
    }
  }
}
