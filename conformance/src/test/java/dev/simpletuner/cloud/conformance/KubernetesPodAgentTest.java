package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.provider.kubernetes.MockCluster;
import dev.simpletuner.cloud.provider.kubernetes.SimulatedKubelet;
import dev.simpletuner.cloud.server.replicate.DatasetsAccess;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kubernetes} provider end to end: fabric8's mock API server with a simulated kubelet
 * that, when the provider's Job gets its pod, starts SimpleTuner's own worker agent with the pod's
 * environment (the one-job token resolved from the Secret); the agent joins, runs the job on the
 * trainer stand-in and leaves.
 */
class KubernetesPodAgentTest {
  @TempDir
  Path tmp;
  private MockCluster cluster;
  private SimulatedKubelet kubelet;
  private TestServer server;
  private final List<WorkerAgent> pods = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    pods.forEach(WorkerAgent::close);
    if (server != null) {
      server.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aJobRunsToCompletionInAPodThatRunsTheRealAgent() throws Exception {
    cluster = new MockCluster();
    kubelet = cluster.kubelet(false);
    kubelet.onStart(env -> pods.add(WorkerAgent.inPod(tmp.resolve("pods"), env,
        env.get("SIMPLETUNER_WORKER_NAME"), Map.of("STANDIN_STEP_SECONDS", "0.02"))));
    int port = TestServer.freePort();
    Map<String, String> env = new HashMap<>(cluster.serverEnv());
    env.put("SIMPLETUNER_PORT", String.valueOf(port));
    env.put("SIMPLETUNER_PUBLIC_URL", "http://127.0.0.1:" + port);
    server = TestServer.start(Backend.SQLITE, env);
    Api api = server.api();
    Path dataset = DatasetsAccess.images(tmp.resolve("data"), 4, 64);

    Api.Response r = api.post("/api/cloud/jobs/submit?provider=kubernetes", new JsonObject()
        .put("config", new JsonObject().put("--model_family", "flux").put("--model_type", "lora")
            .put("--optimizer", "adamw_bf16").put("--max_train_steps", 20))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images")
            .put("type", "local").put("instance_data_dir", dataset.toString()))));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    String jobId = r.json().getString("job_id");

    JsonObject done = api.waitFor(jobId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(120));
    String agentLog = pods.isEmpty() ? "(no pod started)" : WorkerAgent.tail(pods.get(0).log(), 4000);
    assertThat(done.getString("status")).as(done.encodePrettily() + agentLog).isEqualTo("completed");
    assertThat(done.getJsonObject("progress").getLong("current")).isEqualTo(20);
    assertThat(done.getString("external_id")).isEqualTo("job:training/" + MockCluster.objectName(jobId));
    assertThat(done.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("completed");
    assertThat(api.get("/api/cloud/jobs/" + jobId + "/logs").json().getString("logs"))
        .contains("Dataset training-images: 4 image(s)");
    // The one-job agent leaves after its job (the pod would end), and its worker is gone.
    assertThat(pods).hasSize(1);
    assertThat(pods.get(0).waitForExit(Duration.ofSeconds(30))).as(agentLog).isNotEqualTo(-1);
    api.waitFor(jobId, j -> api.get("/api/admin/workers").json().getJsonArray("workers").isEmpty(),
        Duration.ofSeconds(10));
  }
}
