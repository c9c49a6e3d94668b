package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.WorkerPass;
import io.vertx.core.Future;

/**
 * What the host gives a provider that starts SimpleTuner's worker agent itself (see
 * {@code ProviderContext.workerPass}); the worker fleet implements it.
 */
public interface WorkerPassIssuer {
  /** No fleet: providers are told so. */
  WorkerPassIssuer NONE = new WorkerPassIssuer() {
    @Override
    public Future<WorkerPass> issue(String providerId, String jobId) {
      return Future.failedFuture(new UnsupportedOperationException("this server has no worker fleet"));
    }

    @Override
    public Future<Void> revoke(String jobId) {
      return Future.succeededFuture();
    }
  };

  Future<WorkerPass> issue(String providerId, String jobId);

  Future<Void> revoke(String jobId);
}
