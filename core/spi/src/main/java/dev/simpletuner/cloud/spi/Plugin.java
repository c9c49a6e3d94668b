package dev.simpletuner.cloud.spi;

import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.util.List;

/**
 * The one entry point of a plugin jar, registered in
 * {@code META-INF/services/dev.simpletuner.cloud.spi.Plugin}. New extension kinds are added as
 * default methods, so existing plugins keep working.
 */
public interface Plugin {

  /** A short, unique, human-readable name, e.g. {@code "local"}. */
  String name();

  /** The plugin's own version, shown in {@code GET /api/plugins}. */
  String version();

  /**
   * The SPI major this plugin was compiled against. Implement it as {@code return SpiVersion.MAJOR;}:
   * the compiler inlines the constant, which is exactly what the host needs to check.
   */
  int spiMajor();

  /** Training providers this plugin contributes. */
  default List<ProviderFactory> providerFactories() {
    return List.of();
  }

  /** Delivery targets (where finished models go) this plugin contributes. */
  default List<DeliveryFactory> deliveryFactories() {
    return List.of();
  }
}
