package dev.simpletuner.cloud.spi;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.nio.file.Path;
import java.util.Map;

/**
 * Host services a provider may use. Methods may be added with defaults; nothing else of the host
 * is visible to plugins.
 */
public interface ProviderContext {

  Vertx vertx();

  /** Current values of the settings the factory declared (validated; secrets in clear text). */
  Map<String, String> settings();

  /** A directory this provider owns under the server's state directory. */
  Path dataDir();

  /** Identifies this server process's host, recorded with jobs that are bound to it. */
  String hostId();

  JobReporter reporter();

  /** A logger named after the provider. */
  System.Logger logger();

  /**
   * How the operator wants this provider's outbound HTTP calls made (the reference's provider
   * network settings): proxy, trusted CAs or no verification, connect and idle timeouts. A fresh
   * object on every call, for the plugin to add its own options to (user agent, keep-alive) and
   * build its client from. It changes when the settings do: see {@link Provider#settingsChanged()}.
   * The default is Vert.x's.
   */
  default HttpClientOptions httpClientOptions() {
    return new HttpClientOptions();
  }

  /**
   * Creates a one-job worker for {@code jobId} (see {@link WorkerPass}), for providers whose
   * machines run SimpleTuner's worker agent. Asked again for the same job it replaces the earlier
   * pass (the old token stops working). Fails with {@link UnsupportedOperationException} on a host
   * without a worker fleet.
   */
  default Future<WorkerPass> workerPass(String jobId) {
    return Future.failedFuture(new UnsupportedOperationException("this server has no worker fleet"));
  }

  /** Ends the job's one-job worker, if it has one: its token stops working. */
  default Future<Void> revokeWorkerPass(String jobId) {
    return Future.succeededFuture();
  }

  /** How long one outbound request may wait for an answer, in milliseconds (the {@code http_timeout} setting). */
  default long httpTimeoutMillis() {
    return 30_000;
  }
}
