package dev.simpletuner.cloud.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The packaged jar as users run it: start-up, plugins, a crash mid-job, and SIGTERM. */
class FatJarIT {
  private static final Path JAR = Path.of("target/simpletuner-cloud.jar").toAbsolutePath();
  private Path state;
  private int port;
  private Process server;

  @BeforeEach
  void setUp() throws Exception {
    state = Files.createTempDirectory("st-jar-");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor();
    }
    TestServer.deleteTree(state);
  }

  private Api start(double stepSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar", JAR.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("server.log").toFile()));
    pb.environment().put("SIMPLETUNER_STATE_DIR", state.toString());
    pb.environment().put("SIMPLETUNER_PORT", String.valueOf(port));
    pb.environment().put("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(stepSeconds));
    long started = System.nanoTime();
    server = pb.start();
    Api api = new Api("http://127.0.0.1:" + port);
    while (true) {
      try {
        if (api.get("/api/cloud/health/ready").status() == 200) {
          break;
        }
      } catch (AssertionError notYet) {
        if (!server.isAlive()) {
          throw new AssertionError("server exited: " + Files.readString(state.resolve("server.log")));
        }
        Api.sleep(50);
      }
    }
    System.out.printf("fat jar ready after %d ms%n", (System.nanoTime() - started) / 1_000_000);
    return api;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Test
  void listsTheBuiltInProvidersFoundThroughServiceLoader() throws Exception {
    Api api = start(0.01);
    JsonObject plugins = api.get("/api/plugins").json();
    assertThat(plugins.getJsonArray("providers").encode()).contains("\"id\":\"local\"")
        .contains("\"id\":\"replicate\"");
    assertThat(api.get("/docs").status()).isEqualTo(200);
    assertThat(api.get("/openapi.json").json().getString("openapi")).startsWith("3.1");
  }

  /** Long enough (0.1 s a step) that the trainer is still running after a restart on a busy machine. */
  private static final int STEPS = 200;

  @Test
  void aCrashedServerPicksItsRunningTrainerBackUpAndLosesNoLogLine() throws Exception {
    Api api = start(0.1);
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()
            .put("--max_train_steps", STEPS).put("--checkpointing_steps", 1))).json().getString("job_id");
    api.waitFor(jobId, j -> {
      Integer current = j.getJsonObject("progress").getInteger("current");
      return current != null && current >= 5;
    }, Duration.ofSeconds(30));
    ProcessHandle runner = TrainerProcesses.runner(state, jobId);
    server.destroyForcibly().waitFor(); // kill -9
    assertThat(runner.isAlive()).as("the trainer outlives the crashed server").isTrue();

    api = start(0.1);
    assertThat(api.job(jobId).getString("status")).isEqualTo("running");
    JsonObject job = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(120));
    assertThat(job.getString("status")).isEqualTo("completed");
    String logs = api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs");
    // A log line per step (the example trainer logs each checkpoint), each exactly once.
    List<String> steps = new ArrayList<>();
    for (String line : logs.split("\n")) {
      if (line.startsWith("Saved checkpoint-")) {
        steps.add(line.substring(0, line.indexOf(' ', 6)));
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= STEPS; i++) {
      expected.add("Saved checkpoint-" + i);
    }
    assertThat(steps).containsExactlyElementsOf(expected);
  }

  @Test
  void sigtermStopsRunningJobsAndRecordsThem() throws Exception {
    Api api = start(0.05);
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(100000))).json().getString("job_id");
    api.waitFor(jobId, j -> j.getJsonObject("progress").getInteger("current") != null, Duration.ofSeconds(30));
    ProcessHandle runner = TrainerProcesses.runner(state, jobId);
    server.destroy(); // SIGTERM
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(runner.isAlive()).isFalse();
    api = start(0.05);
    JsonObject job = api.job(jobId);
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("error_message")).contains("server shut down");
    assertThat(new File(state.toFile(), "cloud/jobs.db")).exists();
  }
}
