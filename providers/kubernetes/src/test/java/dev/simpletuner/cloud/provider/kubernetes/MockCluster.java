package dev.simpletuner.cloud.provider.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock API server in CRUD mode (objects are kept and served back, watches work), with
 * expectations for refusals a test scripts, and an admin client to see what landed. Public for
 * the server module's tests.
 */
public final class MockCluster implements AutoCloseable {
  public static final String NAMESPACE = "training";
  /** The mock server logs every request at INFO; kept referenced so the level sticks. */
  private static final Logger QUIET = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    QUIET.setLevel(Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient admin;

  public MockCluster() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    admin = server.createClient();
  }

  /** The API server's URL (the provider's api_server setting). */
  public String url() {
    return server.url("/");
  }

  /** The server's environment that points its {@code kubernetes} provider at this cluster. */
  public Map<String, String> serverEnv() {
    return Map.of("SIMPLETUNER_K8S_API_SERVER", url(), "SIMPLETUNER_K8S_API_TOKEN", "test-token",
        "SIMPLETUNER_K8S_NAMESPACE", NAMESPACE, "SIMPLETUNER_K8S_WORKER_IMAGE", "ghcr.io/example/simpletuner-worker:1.0");
  }

  public KubernetesClient admin() {
    return admin;
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** The kubelet and job controller of this cluster, for the provider's objects in {@link #NAMESPACE}. */
  public SimulatedKubelet kubelet(boolean trainJobs) {
    return new SimulatedKubelet(admin, NAMESPACE, trainJobs);
  }

  /** The name the provider gives a job's objects. */
  public static String objectName(String jobId) {
    return Manifests.name(jobId);
  }

  @Override
  public void close() {
    admin.close();
    server.destroy();
  }
}
