package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.WorkerPass;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.nio.file.Path;

/** The host side of {@link ProviderContext}. */
final class HostProviderContext extends HostPluginContext implements ProviderContext {
  private final String hostId;
  private final JobReporter reporter;
  private final SettingLayers layers;
  private final NetworkDefaults networkDefaults;
  private final String providerId;
  private final WorkerPassIssuer passes;

  HostProviderContext(Vertx vertx, String providerId, SettingLayers settings, NetworkDefaults networkDefaults,
                      Path dataDir, String hostId, JobReporter reporter, WorkerPassIssuer passes) {
    super(vertx, "provider." + providerId, settings, dataDir);
    this.providerId = providerId;
    this.passes = passes;
    this.hostId = hostId;
    this.reporter = reporter;
    this.layers = settings;
    this.networkDefaults = networkDefaults;
  }

  private NetworkSettings network() {
    return NetworkSettings.of(layers.saved(), networkDefaults);
  }

  @Override
  public HttpClientOptions httpClientOptions() {
    return network().clientOptions();
  }

  @Override
  public long httpTimeoutMillis() {
    return network().timeoutMillis();
  }

  @Override
  public String hostId() {
    return hostId;
  }

  @Override
  public JobReporter reporter() {
    return reporter;
  }

  @Override
  public Future<WorkerPass> workerPass(String jobId) {
    return passes.issue(providerId, jobId);
  }

  @Override
  public Future<Void> revokeWorkerPass(String jobId) {
    return passes.revoke(jobId);
  }
}
