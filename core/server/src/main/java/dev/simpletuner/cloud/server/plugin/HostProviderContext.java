package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** The host side of {@link ProviderContext}. */
final class HostProviderContext extends HostPluginContext implements ProviderContext {
  private final String hostId;
  private final JobReporter reporter;

  HostProviderContext(Vertx vertx, String providerId, SettingLayers settings, Path dataDir, String hostId,
                      JobReporter reporter) {
    super(vertx, "provider." + providerId, settings, dataDir);
    this.hostId = hostId;
    this.reporter = reporter;
  }

  @Override
  public String hostId() {
    return hostId;
  }

  @Override
  public JobReporter reporter() {
    return reporter;
  }
}
