package dev.simpletuner.cloud.server.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider that supervises its jobs and cannot take them back after a restart: nobody watches
 * those jobs any more, so they fail with the provider's reason instead of staying running.
 */
class RecoveryFailureTest {

  @Test
  void jobsAProviderCannotTakeBackFailWithItsReason(@TempDir Path plugins) throws Exception {
    Map<String, String> sources = new HashMap<>(TestPlugins.plugin("com.sup", "supervisor",
        dev.simpletuner.cloud.spi.SpiVersion.MAJOR, "supervisor", "\"Supervisor\"", "return new Q();", "\"gpu\""));
    sources.put("com.sup.Q", "package com.sup;\nimport dev.simpletuner.cloud.spi.*;\nimport io.vertx.core.Future;\n"
        + "import java.util.List;\n"
        + "public final class Q implements Provider {\n"
        + "  public boolean reportsStatus() { return true; }\n"
        + "  public Future<SubmittedJob> submit(JobSpec spec) { return Future.succeededFuture("
        + "new SubmittedJob(\"proc-\" + spec.jobId(), ProviderStatus.RUNNING, null)); }\n"
        + "  public Future<ProviderJobStatus> status(String id) { return Future.succeededFuture("
        + "ProviderJobStatus.of(id, ProviderStatus.RUNNING)); }\n"
        + "  public Future<Void> cancel(String id) { return Future.succeededFuture(); }\n"
        + "  public Future<Void> recover(List<RecoveredJob> jobs) { return Future.failedFuture("
        + "\"its process table is gone\"); }\n}\n");
    TestPlugins.jar(plugins.resolve("supervisor.jar"), sources, List.of("com.sup.P"), List.of());
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_PLUGINS_DIR", plugins.toString()))) {
      Api api = server.api();
      String jobId = api.post("/api/cloud/jobs/submit?provider=supervisor", new JsonObject()
          .put("config", Configs.lora(10))).json().getString("job_id");
      api.waitForStatus(jobId, "running");

      server.stop();
      server.boot();
      JsonObject job = server.api().waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(30));
      assertThat(job.getString("status")).isEqualTo("failed");
      assertThat(job.getString("error_message")).contains("could not take the job back")
          .contains("its process table is gone");
    }
  }
}
