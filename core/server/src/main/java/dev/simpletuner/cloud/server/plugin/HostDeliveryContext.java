package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** The host side of {@link DeliveryContext}. */
final class HostDeliveryContext extends HostPluginContext implements DeliveryContext {
  HostDeliveryContext(Vertx vertx, String targetId, SettingLayers settings, Path dataDir) {
    super(vertx, "delivery." + targetId, settings, dataDir);
  }
}
