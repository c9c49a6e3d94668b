package dev.simpletuner.cloud.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.provider.kubernetes.MockCluster;
import dev.simpletuner.cloud.provider.kubernetes.SimulatedKubelet;
import dev.simpletuner.cloud.provider.kubernetes.SimulatedKubelet.Fate;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.support.WireAgent;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kubernetes} provider in the server, against fabric8's mock API server (CRUD mode)
 * with a simulated kubelet: the pod's worker agent (on the wire, with the environment the pod got)
 * joins with its one-job token and is handed exactly its job.
 */
class KubernetesProviderFlowTest {
  @TempDir
  Path tmp;
  private MockCluster cluster;
  private SimulatedKubelet kubelet;
  private TestServer server;
  private Api api;
  private WireAgent agent;

  @BeforeEach
  void start() {
    cluster = new MockCluster();
    kubelet = cluster.kubelet(false);
    int port = TestServer.freePort();
    Map<String, String> env = new HashMap<>(cluster.serverEnv());
    env.put("SIMPLETUNER_PORT", String.valueOf(port));
    env.put("SIMPLETUNER_PUBLIC_URL", "http://127.0.0.1:" + port);
    server = TestServer.start(Backend.SQLITE, env);
    api = server.api();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    server.close();
    kubelet.close();
    cluster.close();
  }

  private String submit() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.write(data.resolve("a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    JsonObject body = new JsonObject().put("config", new JsonObject().put("--model_family", "flux")
            .put("--model_type", "lora").put("--max_train_steps", 10).put("--num_processes", 1))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "imgs").put("type", "local")
            .put("instance_data_dir", data.toString())));
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=kubernetes", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  @Test
  void aJobRunsToCompletionOnAPodWhoseAgentGetsExactlyThatJob() throws Exception {
    String jobId = submit();
    String name = MockCluster.objectName(jobId);
    Map<String, String> env = eventually(() -> kubelet.envOf(name));
    assertThat(env.get("SIMPLETUNER_ORCHESTRATOR_URL")).isEqualTo(api.base());
    assertThat(env.get("SIMPLETUNER_WORKER_PERSISTENT")).isEqualTo("false");
    // The pod may start before the server has recorded the provider's answer.
    assertThat(api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(10))
        .getString("external_id")).isEqualTo("job:training/" + name);

    agent = new WireAgent(api, env.get("SIMPLETUNER_WORKER_TOKEN"));
    assertThat(agent.register(env.get("SIMPLETUNER_WORKER_NAME"), false, null).status()).isEqualTo(200);
    agent.openStream();
    assertThat(agent.heartbeat("idle", null).status()).isEqualTo(200);
    JsonObject event = agent.next(Duration.ofSeconds(10));
    assertThat(event).as("a job_submit").isNotNull();
    assertThat(event.getString("type")).isEqualTo("job_submit");
    assertThat(event.getString("job_id")).isEqualTo(jobId);
    JsonObject hook = new JsonArray(event.getJsonObject("config").getString("--webhook_config")).getJsonObject(0);
    assertThat(hook.getString("callback_url")).isEqualTo(api.base() + "/api/webhooks/trainer/" + jobId);

    assertThat(agent.status(jobId, "starting", null).status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("running");
    // A one-job worker takes no other job (so the agent leaves after this one, and the pod ends).
    assertThat(agent.queue().json().getBoolean("has_jobs")).isFalse();
    assertThat(agent.status(jobId, "completed", null).status()).isEqualTo(200);
    JsonObject done = api.job(jobId);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("completed");
    // It is removed once its job is over (its token stops working).
    eventually(() -> api.get("/api/admin/workers").json().getJsonArray("workers").isEmpty() ? true : null);
    assertThat(agent.heartbeat("idle", null).status()).isEqualTo(401);
  }

  @Test
  void aPreemptedPodIsReplacedAndItsWorkerGetsTheJobAgainWithinTheRetryBudget() throws Exception {
    String jobId = submit();
    String name = MockCluster.objectName(jobId);
    Map<String, String> env = eventually(() -> kubelet.envOf(name));
    agent = new WireAgent(api, env.get("SIMPLETUNER_WORKER_TOKEN"));
    assertThat(agent.register(name, false, null).status()).isEqualTo(200);
    agent.openStream();
    assertThat(agent.next(Duration.ofSeconds(10)).getString("job_id")).isEqualTo(jobId);
    assertThat(agent.status(jobId, "starting", null).status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("running");

    // The scheduler takes the pod away mid-job; the Job controller starts another, whose agent joins.
    kubelet.preempt(name, 2);
    agent.close();
    agent = new WireAgent(api, env.get("SIMPLETUNER_WORKER_TOKEN"));
    assertThat(agent.register(name, false, null).status()).isEqualTo(200);
    agent.openStream();
    JsonObject again = agent.next(Duration.ofSeconds(10));
    assertThat(again).as("the job handed again").isNotNull();
    assertThat(again.getString("job_id")).isEqualTo(jobId);
    JsonObject job = api.job(jobId);
    assertThat(job.getString("status")).isEqualTo("running");
    JsonArray attempts = job.getJsonArray("attempts");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("lost");
    assertThat(attempts.getJsonObject(0).getString("reason")).contains("came back without the job");
    assertThat(agent.status(jobId, "completed", null).status()).isEqualTo(200);
    assertThat(api.job(jobId).getString("status")).isEqualTo("completed");
  }

  @Test
  void aPodNoNodeCanTakeKeepsTheJobQueuedWithTheReasonShown() throws Exception {
    String jobId = submitWith(Fate.UNSCHEDULABLE);
    JsonObject job = api.waitFor(jobId, j -> {
      api.postEmpty("/api/cloud/jobs/sync");
      JsonObject p = j.getJsonObject("progress");
      return p != null && String.valueOf(p.getString("stage")).startsWith("No node can run");
    }, Duration.ofSeconds(20));
    assertThat(job.getString("status")).isEqualTo("queued");
    assertThat(job.getJsonObject("progress").getString("stage")).isEqualTo("No node can run the worker pod yet "
        + "(Unschedulable): 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
  }

  @Test
  void cancelDeletesTheObjectsAndTheOneJobWorker() throws Exception {
    String jobId = submit();
    String name = MockCluster.objectName(jobId);
    eventually(() -> kubelet.envOf(name));
    assertThat(api.get("/api/admin/workers").json().getJsonArray("workers")).hasSize(1);
    Api.Response r = api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    eventually(() -> cluster.admin().batch().v1().jobs().inNamespace(MockCluster.NAMESPACE).withName(name).get() == null
        ? true : null);
    assertThat(cluster.admin().secrets().inNamespace(MockCluster.NAMESPACE).withName(name + "-token").get()).isNull();
    eventually(() -> api.get("/api/admin/workers").json().getJsonArray("workers").isEmpty() ? true : null);
  }

  @Test
  void anRbacRefusalFailsTheJobInWords() throws Exception {
    cluster.server().expect().post().withPath("/apis/batch/v1/namespaces/training/jobs")
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("jobs.batch is "
            + "forbidden: User \"system:serviceaccount:training:simpletuner\" cannot create resource \"jobs\" in API "
            + "group \"batch\" in the namespace \"training\"").build()).always();
    String jobId = submit();
    JsonObject job = api.waitFor(jobId, j -> "failed".equals(j.getString("status")), Duration.ofSeconds(20));
    assertThat(job.getString("error_message")).contains("403 Forbidden").contains("cannot create resource \"jobs\"");
    // Nothing is left behind: the token's Secret and the one-job worker are gone.
    assertThat(cluster.admin().secrets().inNamespace(MockCluster.NAMESPACE).list().getItems()).isEmpty();
    assertThat(api.get("/api/admin/workers").json().getJsonArray("workers")).isEmpty();
  }

  private String submitWith(Fate fate) throws Exception {
    // The object's name comes from the job id, known only once submitted: every new pod gets this fate.
    kubelet.defaultFate(fate);
    return submit();
  }

  private static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < end) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not reached in 15 s");
  }
}
