package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/** The host side of {@link ProviderContext}. */
final class HostProviderContext implements ProviderContext {
  private final Vertx vertx;
  private final String providerId;
  private final SettingLayers settings;
  private final Path dataDir;
  private final String hostId;
  private final JobReporter reporter;

  HostProviderContext(Vertx vertx, String providerId, SettingLayers settings, Path dataDir, String hostId,
                      JobReporter reporter) {
    this.vertx = vertx;
    this.providerId = providerId;
    this.settings = settings;
    this.dataDir = dataDir;
    this.hostId = hostId;
    this.reporter = reporter;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public Map<String, String> settings() {
    return settings.effective();
  }

  @Override
  public Path dataDir() {
    return dataDir;
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
  public System.Logger logger() {
    return new Slf4jSystemLogger("provider." + providerId);
  }
}
