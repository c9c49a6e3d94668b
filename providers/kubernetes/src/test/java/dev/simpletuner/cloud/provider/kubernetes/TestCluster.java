package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.WorkerPass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The mock cluster and a provider context whose host hands out one-job
 * worker passes as the server's fleet does.
 */
final class TestCluster implements AutoCloseable {
  static final String NS = MockCluster.NAMESPACE;
  final MockCluster mock = new MockCluster();
  final KubernetesMockServer server = mock.server();
  final KubernetesClient admin = mock.admin();
  final Vertx vertx = Vertx.vertx();
  final Map<String, String> settings = new ConcurrentHashMap<>();
  final Map<String, WorkerPass> passes = new ConcurrentHashMap<>();
  final List<String> revoked = new CopyOnWriteArrayList<>();

  TestCluster() {
    settings.put("api_server", mock.url());
    settings.put("api_token", "test-token");
    settings.put("namespace", NS);
    settings.put("worker_image", "ghcr.io/example/simpletuner-worker:1.0");
  }

  ProviderContext context() {
    return new ProviderContext() {
      public Vertx vertx() {
        return vertx;
      }

      public Map<String, String> settings() {
        return settings;
      }

      public Path dataDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
      }

      public String hostId() {
        return "test-host";
      }

      public JobReporter reporter() {
        return new JobReporter() {
          public Future<Void> status(String jobId, ProviderJobStatus status) {
            return Future.succeededFuture();
          }

          public void log(String jobId, List<String> lines) {
          }

          public Future<Long> loggedLines(String jobId) {
            return Future.succeededFuture(0L);
          }
        };
      }

      public System.Logger logger() {
        return System.getLogger("kubernetes-test");
      }

      @Override
      public Future<WorkerPass> workerPass(String jobId) {
        WorkerPass pass = new WorkerPass("w_" + jobId.replaceAll("[^A-Za-z0-9]", "x"), "wt_secret_" + jobId,
            "http://server.example:8001");
        passes.put(jobId, pass);
        return Future.succeededFuture(pass);
      }

      @Override
      public Future<Void> revokeWorkerPass(String jobId) {
        revoked.add(jobId);
        return Future.succeededFuture();
      }
    };
  }

  KubernetesProvider provider() throws Exception {
    return vertx.executeBlocking(() -> new KubernetesProvider(context())).await();
  }

  @Override
  public void close() {
    mock.close();
    vertx.close().await();
  }
}
