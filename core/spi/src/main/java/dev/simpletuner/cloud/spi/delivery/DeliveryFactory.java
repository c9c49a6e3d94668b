package dev.simpletuner.cloud.spi.delivery;

import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.List;

/**
 * Creates a {@link DeliveryTarget}: a place a finished job's model is delivered to (a model hub, an
 * object store, a directory). Factories are singletons discovered at start-up through
 * {@link dev.simpletuner.cloud.spi.Plugin#deliveryFactories()}.
 */
public interface DeliveryFactory {

  /** Id used in submissions and settings, e.g. {@code "huggingface"}. Lowercase letters, digits, '-' and '_'. */
  String id();

  /** Name shown in the UI. */
  String displayName();

  /** Settings this target reads from {@link DeliveryContext#settings()}. */
  default List<SettingSpec> settings() {
    return List.of();
  }

  /**
   * Called once per server start on a worker thread (never an event loop, so it may read files or
   * build a client), after the declared settings were validated.
   */
  DeliveryTarget create(DeliveryContext context);
}
