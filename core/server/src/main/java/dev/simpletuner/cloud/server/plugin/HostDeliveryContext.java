package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/** The host side of {@link DeliveryContext}. */
final class HostDeliveryContext implements DeliveryContext {
  private final Vertx vertx;
  private final String targetId;
  private final SettingLayers settings;
  private final Path dataDir;

  HostDeliveryContext(Vertx vertx, String targetId, SettingLayers settings, Path dataDir) {
    this.vertx = vertx;
    this.targetId = targetId;
    this.settings = settings;
    this.dataDir = dataDir;
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
  public System.Logger logger() {
    return new Slf4jSystemLogger("delivery." + targetId);
  }
}
